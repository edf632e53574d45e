# SPDX-License-Identifier: ISC
# The jupyter image's JupyterHub settings, read by the service jupyterhub
# at every start from the container's environment (the variables of
# images/jupyter/README.md; the boot hook magic.d/50-jupyterhub has checked
# them and made /srv/jupyterhub and its cookie secret). Users log in with
# their LDAP password through PAM (pam_ldap, nslcd) and each one's server
# runs as that user, in their home on the shared /home. A site's own
# settings go in /etc/jupyterhub/jupyterhub_config.d/*.py, read last.

import asyncio
import glob
import grp
import os
import pwd
import time

from jupyterhub.auth import PAMAuthenticator
from jupyterhub.spawner import LocalProcessSpawner

c = get_config()  # noqa: F821 (given by JupyterHub when it reads this file)

DATA = '/srv/jupyterhub'
env = os.environ.get


def names(value):
    """The words of a list variable: separated by spaces or commas."""
    return {w for w in (value or '').replace(',', ' ').split() if w}


# The identity of this boot of the container: the host's boot and the
# start time of PID 1 (vcinit). A process ID saved in the database by an
# earlier boot means nothing now, and may even be another process's.
def boot_key():
    with open('/proc/sys/kernel/random/boot_id') as f:
        host_boot = f.read().strip()
    with open('/proc/1/stat') as f:
        # the fields after the command name, which is in parentheses
        started = f.read().rsplit(')', 1)[1].split()[19]
    return '%s:%s' % (host_boot, started)


BOOT = boot_key()


class VcoreAuthenticator(PAMAuthenticator):
    """PAM with the image's rules on who may log in: never the image's own
    system accounts (uid below 1000, nobody); when JUPYTER_ALLOWED_USERS or
    JUPYTER_ALLOWED_GROUPS is set, only those users and the members of
    those groups, by primary group too (JupyterHub 3.0 looks at a group's
    member list only), plus the admins."""

    def check_blocked_users(self, username, authentication=None):
        try:
            uid = pwd.getpwnam(username).pw_uid
        except KeyError:
            return False
        if uid < 1000 or uid == 65534:
            self.log.warning('%s is a system account: refused', username)
            return False
        return super().check_blocked_users(username, authentication)

    def check_allowed(self, username, authentication=None):
        if not self.allowed_users and not self.allowed_groups:
            return True
        if username in self.allowed_users or username in self.admin_users:
            return True
        try:
            primary = pwd.getpwnam(username).pw_gid
        except KeyError:
            return False
        for name in self.allowed_groups:
            try:
                group = grp.getgrnam(name)
            except KeyError:
                self.log.error('JUPYTER_ALLOWED_GROUPS: no group %s', name)
                continue
            if username in group.gr_mem or group.gr_gid == primary:
                return True
        return False


def make_home(spawner):
    """The user's home, made as vcsshd's create_home makes it (0700, the
    user's LDAP uid and gid, nothing copied into it) when it is missing:
    LocalProcessSpawner starts the server in it."""
    user = pwd.getpwnam(spawner.user.name)
    if os.path.isdir(user.pw_dir):
        return
    os.makedirs(os.path.dirname(user.pw_dir) or '/', mode=0o755, exist_ok=True)
    os.mkdir(user.pw_dir, 0o700)
    os.chown(user.pw_dir, user.pw_uid, user.pw_gid)
    spawner.log.info('created home %s for %s', user.pw_dir, user.pw_name)


class VcoreSpawner(LocalProcessSpawner):
    """LocalProcessSpawner that stops a server with SIGTERM and forgets a
    server's process ID saved by an earlier boot of the container, instead
    of signalling whatever process has that number now."""

    async def stop(self, now=False):
        # SIGINT first (JupyterHub's way) interrupts jupyter_server 1.23's
        # loop without its clean-up: its kernels are left to notice their
        # parent's death on their own. SIGTERM is its clean stop: kernels
        # shut down, then the server exits.
        await super().stop(now=True)

    async def wait_for_death(self, timeout=10):
        # Every 0.1 s: JupyterHub's waits double from 0.1 s, so a server
        # that takes 1 s to stop was seen gone after 1.5 s to 3 s.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await self.poll() is not None:
                return True
            await asyncio.sleep(0.1)
        return False

    def get_state(self):
        state = super().get_state()
        if self.pid:
            state['boot'] = BOOT
        return state

    def load_state(self, state):
        if state.get('boot') != BOOT:
            state = {k: v for k, v in state.items() if k not in ('pid', 'boot')}
        super().load_state(state)


# ---- the Hub, its proxy, its database ----

port = int(env('JUPYTER_PORT') or 8000)
base_url = env('JUPYTER_BASE_URL') or '/'
c.JupyterHub.bind_url = 'http://:%d%s' % (port, base_url)
c.JupyterHub.hub_bind_url = 'http://127.0.0.1:8081'
c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:8001'
# Debian's proxy with Debian's node (the explicit PATH and NODE_PATH are
# the service's): another nodejs first on PATH cannot find its modules.
c.ConfigurableHTTPProxy.command = ['/usr/bin/node', '/usr/bin/configurable-http-proxy']
# Per boot, never on the volume: a stale one would name another process.
c.ConfigurableHTTPProxy.pid_file = '/run/jupyterhub/proxy.pid'
c.JupyterHub.pid_file = '/run/jupyterhub/jupyterhub.pid'
c.JupyterHub.cookie_secret_file = DATA + '/jupyterhub_cookie_secret'
# Stopping the Hub stops the users' servers and the proxy with it.
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

db_url = env('JUPYTERHUB_DB_URL') or 'sqlite:///' + DATA + '/jupyterhub.sqlite'
c.JupyterHub.db_url = db_url
c.JupyterHub.db_kwargs = {}
if env('JUPYTERHUB_DB_PASSWORD'):
    c.JupyterHub.db_kwargs = {'connect_args': {'password': env('JUPYTERHUB_DB_PASSWORD')}}


def wait_for_database(url, limit_s=60):
    """A PostgreSQL server may start after this container, and admit it only
    once its next round has resolved this container's name into pg_hba.conf
    (compose orders neither): log in as the Hub will, and wait until that
    works rather than fail and be restarted."""
    import sqlalchemy
    from sqlalchemy.engine.url import make_url
    if not make_url(url).drivername.startswith('postgresql'):
        return
    engine = sqlalchemy.create_engine(url, **c.JupyterHub.db_kwargs)
    deadline = time.monotonic() + limit_s
    said = None
    while True:
        try:
            engine.connect().close()
            break
        except sqlalchemy.exc.OperationalError as e:
            why = str(e.orig).strip().splitlines()[0] if e.orig else str(e)
            if time.monotonic() > deadline:
                raise SystemExit('jupyterhub: cannot use the database: %s' % why)
            if why != said:
                print('jupyterhub: waiting for the database: %s' % why, flush=True)
                said = why
            time.sleep(1)
    engine.dispose()


wait_for_database(db_url)

# ---- who logs in ----

c.JupyterHub.authenticator_class = VcoreAuthenticator
c.PAMAuthenticator.service = 'jupyterhub'   # /etc/pam.d/jupyterhub
# The Hub checks passwords; it opens no PAM session (the server's process
# gets its user's identity from LocalProcessSpawner).
c.PAMAuthenticator.open_sessions = False
c.Authenticator.allowed_users = names(env('JUPYTER_ALLOWED_USERS'))
c.LocalAuthenticator.allowed_groups = names(env('JUPYTER_ALLOWED_GROUPS'))
c.Authenticator.admin_users = names(env('JUPYTER_ADMIN_USERS'))
c.Authenticator.blocked_users = {'root'}

# ---- each user's server ----

c.JupyterHub.spawner_class = VcoreSpawner
c.Spawner.pre_spawn_hook = make_home
c.Spawner.notebook_dir = '~'
# The classic notebook interface: jupyter_server with nbclassic (Debian's
# jupyterhub-singleuser default) or the notebook 6 server; both serve /tree.
ui = env('JUPYTER_UI') or 'nbclassic'
app = 'ServerApp'
if ui == 'notebook':
    c.Spawner.environment = {'JUPYTERHUB_SINGLEUSER_APP': 'notebook.notebookapp.NotebookApp'}
    app = 'NotebookApp'
c.Spawner.default_url = '/tree'
c.Spawner.env_keep = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'MODULEPATH']
# Idle kernels are shut down after JUPYTER_IDLE_TIMEOUT seconds, and a
# server with no kernel left and no activity for as long stops itself
# (jupyterhub-idle-culler is not in Debian).
idle = int(env('JUPYTER_IDLE_TIMEOUT') or 0)
if idle > 0:
    c.Spawner.args = [
        '--MappingKernelManager.cull_idle_timeout=%d' % idle,
        '--MappingKernelManager.cull_interval=%d' % min(idle, 300),
        '--%s.shutdown_no_activity_timeout=%d' % (app, idle),
    ]
# Short enough that stopping the Hub (docker stop) ends every server
# before the service's stop timeout (8 s): SIGTERM, 5 s for the server to
# shut its kernels down and exit, then SIGKILL.
c.LocalProcessSpawner.term_timeout = 5
c.LocalProcessSpawner.kill_timeout = 1

for path in sorted(glob.glob('/etc/jupyterhub/jupyterhub_config.d/*.py')):
    load_subconfig(path)  # noqa: F821 (given by JupyterHub)
