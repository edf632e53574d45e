/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of the agent's pure parts: the ZBXD codec (every flag
 * combination, the length limits), the item key parser (Zabbix's quoting
 * rules, as zabbix_agentd 6.0 answered them), the JSON reader, the allow
 * list, and each metric against fixture files of /proc and /sys.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "monitor/agent_active.h"
#include "monitor/agent_int.h"
#include "monitor/agent_json.h"
#include "monitor/zbx_key.h"
#include "monitor/zbx_proto.h"

#define FIX "tests/unit/fixtures/monitor"

static const struct zbx_limits lim = { 100, 200, false, true };
static const struct zbx_limits lim_large = { 100, 200, true, false };

/* --- codec ----------------------------------------------------------- */

static size_t
hdr(unsigned char *out, unsigned flags, uint64_t dl, uint64_t rl)
{
	return zbx_header_write(out, flags, dl, rl);
}

/* Flags 0x00..0x0f: which the passive side accepts. */
START_TEST(codec_flags)
{
	unsigned char b[64];
	struct zbx_frame f;
	const char *why;
	unsigned flags = (unsigned)_i;
	size_t n;
	enum zbx_frame_status st, want;

	n = hdr(b, flags, 3, (flags & ZBX_FLAG_ZLIB) ? 5 : 0);
	memcpy(b + n, "abc", 3);
	st = zbx_frame_check(b, n + 3, &lim, &f, &why);
	if ((flags & 0x01) == 0 || (flags & 0x08) != 0 || (flags & 0x04) != 0) {
		want = ZBX_FRAME_BAD;
	} else {
		want = ZBX_FRAME_DONE;
	}
	ck_assert_int_eq(st, want);
	if (want == ZBX_FRAME_DONE) {
		ck_assert_uint_eq(f.data_len, 3);
		ck_assert_uint_eq(f.total, 16);
	}
	/* With large packets allowed, 0x05 and 0x07 parse (8-byte lengths). */
	st = zbx_frame_check(b, n + 3, &lim_large, &f, &why);
	ck_assert_int_eq(st, ((flags & 0x01) == 0 || (flags & 0x08) != 0) ?
	    ZBX_FRAME_BAD : ZBX_FRAME_DONE);
}
END_TEST

/* Every prefix of a header is "more", never "bad". */
START_TEST(codec_prefix)
{
	unsigned char b[32];
	struct zbx_frame f;
	const char *why;

	(void)hdr(b, 0x01, 10, 0);
	ck_assert_int_eq(zbx_frame_check(b, (size_t)_i, &lim, &f, &why),
	    ZBX_FRAME_MORE);
}
END_TEST

START_TEST(codec_limits)
{
	unsigned char b[32];
	struct zbx_frame f;
	const char *why;

	(void)hdr(b, 0x01, 100, 0);
	ck_assert_int_eq(zbx_frame_check(b, 13, &lim, &f, &why), ZBX_FRAME_MORE);
	(void)hdr(b, 0x01, 101, 0);
	ck_assert_int_eq(zbx_frame_check(b, 13, &lim, &f, &why), ZBX_FRAME_BAD);
	ck_assert_str_eq(why, "declared length over the limit");
	(void)hdr(b, 0x03, 10, 200);
	ck_assert_int_eq(zbx_frame_check(b, 13, &lim, &f, &why), ZBX_FRAME_MORE);
	(void)hdr(b, 0x03, 10, 201);
	ck_assert_int_eq(zbx_frame_check(b, 13, &lim, &f, &why), ZBX_FRAME_BAD);
	ck_assert_str_eq(why, "declared inflated length over the limit");
	(void)hdr(b, 0x03, 10, 0);
	ck_assert_int_eq(zbx_frame_check(b, 13, &lim, &f, &why), ZBX_FRAME_BAD);
	(void)hdr(b, 0x01, 0xffffffffu, 0);
	ck_assert_int_eq(zbx_frame_check(b, 13, &lim, &f, &why), ZBX_FRAME_BAD);
	(void)hdr(b, 0x05, 1ULL << 40, 0);
	ck_assert_int_eq(zbx_frame_check(b, 21, &lim_large, &f, &why),
	    ZBX_FRAME_BAD);
}
END_TEST

START_TEST(codec_headerless)
{
	struct zbx_frame f;
	const char *why;
	char big[120];

	ck_assert_int_eq(zbx_frame_check((const unsigned char *)"agent.ping\n",
	    11, &lim, &f, &why), ZBX_FRAME_DONE);
	ck_assert(f.headerless);
	ck_assert_uint_eq(f.data_len, 10);
	ck_assert_int_eq(zbx_frame_check((const unsigned char *)"agent.pi", 8,
	    &lim, &f, &why), ZBX_FRAME_MORE);
	ck_assert_int_eq(zbx_frame_eof((const unsigned char *)"agent.pi", 8,
	    &lim, &f, &why), ZBX_FRAME_DONE);
	ck_assert_uint_eq(f.data_len, 8);
	ck_assert_int_eq(zbx_frame_check((const unsigned char *)"\x16\x03\x01",
	    3, &lim, &f, &why), ZBX_FRAME_BAD);
	ck_assert_int_eq(zbx_frame_check((const unsigned char *)"agent.ping\n",
	    11, &lim_large, &f, &why), ZBX_FRAME_BAD);
	ck_assert_int_eq(zbx_frame_eof((const unsigned char *)"ZBXD\x01", 5,
	    &lim, &f, &why), ZBX_FRAME_BAD);
	ck_assert_int_eq(zbx_frame_eof((const unsigned char *)"", 0, &lim, &f,
	    &why), ZBX_FRAME_BAD);
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(zbx_frame_check((unsigned char *)big, sizeof(big),
	    &lim, &f, &why), ZBX_FRAME_BAD);
}
END_TEST

/* Built frames (plain and zlib) read back; a wrong size is refused. */
START_TEST(codec_roundtrip)
{
	struct buf out = { 0 }, scratch = { 0 };
	struct zbx_frame f;
	const char *why, *body;
	size_t len;
	bool compress = _i == 1;

	ck_assert_int_eq(zbx_frame_build(&out, "system.cpu.load[all,avg1]", 25,
	    compress), 0);
	ck_assert_int_eq((unsigned char)out.data[4], compress ? 0x03 : 0x01);
	ck_assert_int_eq(zbx_frame_check((unsigned char *)out.data, out.len,
	    &lim, &f, &why), ZBX_FRAME_DONE);
	ck_assert_int_eq(zbx_frame_body((unsigned char *)out.data, &f, &lim,
	    &scratch, &body, &len, &why), 0);
	ck_assert_uint_eq(len, 25);
	ck_assert(memcmp(body, "system.cpu.load[all,avg1]", 25) == 0);
	if (compress) {
		f.raw_len = 24;	/* a header that lies about the size */
		ck_assert_int_eq(zbx_frame_body((unsigned char *)out.data, &f,
		    &lim, &scratch, &body, &len, &why), -1);
		ck_assert_str_eq(why, "inflated length differs from the header");
		out.data[13] ^= 0x55;	/* garbage zlib */
		f.raw_len = 25;
		ck_assert_int_eq(zbx_frame_body((unsigned char *)out.data, &f,
		    &lim, &scratch, &body, &len, &why), -1);
	}
	buf_free(&out);
	buf_free(&scratch);
}
END_TEST

/* A zlib bomb: inflates past the declared size, refused. */
START_TEST(codec_bomb)
{
	unsigned char zeros[4096] = { 0 }, packed[256];
	uLongf zl = sizeof(packed);
	unsigned char b[300];
	struct buf scratch = { 0 };
	struct zbx_frame f;
	const char *why, *body;
	size_t len, n;

	ck_assert_int_eq(compress2(packed, &zl, zeros, sizeof(zeros), 9), Z_OK);
	n = hdr(b, 0x03, zl, 150);
	memcpy(b + n, packed, zl);
	ck_assert_int_eq(zbx_frame_check(b, n + zl, &lim, &f, &why),
	    ZBX_FRAME_DONE);
	ck_assert_int_eq(zbx_frame_body(b, &f, &lim, &scratch, &body, &len,
	    &why), -1);
	ck_assert_uint_le(scratch.cap, 512);
	buf_free(&scratch);
}
END_TEST

/* --- key parser --------------------------------------------------------- */

static const struct {
	const char *text;
	int nparams;	/* -1: invalid */
	const char *p[3];
} key_cases[] = {
	{ "agent.ping", 0, { NULL } },
	{ "agent.ping[]", 1, { "" } },
	{ "agent.ping[ ]", 1, { "" } },
	{ "agent.ping ", -1, { NULL } },
	{ " agent.ping", -1, { NULL } },
	{ "", -1, { NULL } },
	{ "vfs.file.exists[\"/etc/passwd\"]", 1, { "/etc/passwd" } },
	{ "vfs.file.exists[ \"/etc/passwd\"]", 1, { "/etc/passwd" } },
	{ "vfs.file.exists[\"/etc/passwd\" ]", 1, { "/etc/passwd" } },
	{ "vfs.file.exists[/etc/passwd ]", 1, { "/etc/passwd " } },
	{ "vfs.file.exists[ /etc/passwd]", 1, { "/etc/passwd" } },
	{ "vfs.file.exists[\"/etc/passwd\"x]", -1, { NULL } },
	{ "vfs.file.exists[/etc/pass\"wd]", 1, { "/etc/pass\"wd" } },
	{ "vfs.file.exists[\"/etc/pa\\\"sswd\"]", 1, { "/etc/pa\"sswd" } },
	{ "vfs.file.exists[\"a\\b\"]", 1, { "a\\b" } },
	{ "vfs.file.exists[/etc/passwd]x", -1, { NULL } },
	{ "vfs.file.exists[/etc/passwd", -1, { NULL } },
	{ "vfs.file.exists[[/etc/passwd]]", 1, { "/etc/passwd" } },
	{ "k[[a,\"b\"],c]", 2, { "a,\"b\"", "c" } },
	{ "k[[a],[b]]", 2, { "a", "b" } },
	{ "k[[[a]]]", -1, { NULL } },
	{ "k[[a]x]", -1, { NULL } },
	{ "k[[a", -1, { NULL } },
	{ "k[\"a]", -1, { NULL } },
	{ "vfs.file.regexp[/etc/passwd,^root:([^:]*),,,,\\1]", -1, { NULL } },
	{ "vfs.file.regexp[/etc/passwd,\"^root:[^,]*\"]", 2,
	    { "/etc/passwd", "^root:[^,]*" } },
	{ "system.cpu.load[all,avg1,]", 3, { "all", "avg1", "" } },
	{ "system.cpu.load[,,]", 3, { "", "", "" } },
	{ "net.tcp.port[,80]", 2, { "", "80" } },
	{ "a..b-c_D9", 0, { NULL } },
	{ "agent.pi-ng[a,b]", 2, { "a", "b" } },
	{ "k[a]b]", -1, { NULL } },
	{ "k(a)", -1, { NULL } },
	{ "k[\"a\" ,b]", 2, { "a", "b" } },
};

START_TEST(key_parse)
{
	char store[512];
	struct zbx_key k;
	const char *t = key_cases[_i].text;
	int rc = zbx_key_parse(t, strlen(t), &k, store, sizeof(store));

	if (key_cases[_i].nparams < 0) {
		ck_assert_msg(rc == -1, "'%s' should be invalid", t);
		return;
	}
	ck_assert_msg(rc == 0, "'%s' should be valid", t);
	ck_assert_int_eq(k.nparams, key_cases[_i].nparams);
	for (int i = 0; i < k.nparams && i < 3; i++) {
		ck_assert_str_eq(zbx_key_param(&k, i), key_cases[_i].p[i]);
	}
	ck_assert_str_eq(zbx_key_param(&k, 40), "");
}
END_TEST

START_TEST(key_limits)
{
	char text[600], store[1300];
	struct zbx_key k;
	size_t n = 0;

	n += (size_t)snprintf(text, sizeof(text), "k[");
	for (int i = 0; i < ZBX_KEY_MAX_PARAMS; i++) {
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%d",
		    i > 0 ? "," : "", i);
	}
	snprintf(text + n, sizeof(text) - n, "]");
	ck_assert_int_eq(zbx_key_parse(text, strlen(text), &k, store,
	    sizeof(store)), 0);
	ck_assert_int_eq(k.nparams, ZBX_KEY_MAX_PARAMS);
	snprintf(text + n, sizeof(text) - n, ",x]");
	ck_assert_int_eq(zbx_key_parse(text, strlen(text), &k, store,
	    sizeof(store)), -1);
	/* Storage too small is an error, never an overflow. */
	ck_assert_int_eq(zbx_key_parse("abc[def]", 8, &k, store, 5), -1);
	ck_assert_int_eq(zbx_key_parse("a\0b", 3, &k, store, sizeof(store)), -1);
}
END_TEST

START_TEST(key_match)
{
	ck_assert(zbx_key_match("system.run[*]", "system.run[echo hi]"));
	ck_assert(zbx_key_match("*", "anything"));
	ck_assert(zbx_key_match("vfs.file.*[/etc/*]", "vfs.file.size[/etc/x]"));
	ck_assert(!zbx_key_match("system.run[*]", "system.run"));
	ck_assert(!zbx_key_match("agent.ping", "agent.pingx"));
}
END_TEST

/* AllowKey/DenyKey rules as zabbix_agentd 6.0 applied DenyKey=RULE to
 * `zabbix_agentd -t KEY` here. */
static const struct {
	const char *rule;
	const char *key;
	bool match;
} rule_cases[] = {
	{ "vfs.file.exists[*]", "vfs.file.exists", false },
	{ "vfs.file.exists[*]", "vfs.file.exists[]", true },
	{ "vfs.file.exists[*]", "vfs.file.exists[/etc,dir]", true },
	{ "vfs.file.exists[/etc*]", "vfs.file.exists[/etc,dir]", false },
	{ "vfs.file.exists[/etc*,*]", "vfs.file.exists[/etc]", true },
	{ "vfs.file.exists[/etc*,*]", "vfs.file.exists[/etc,dir,x]", true },
	{ "vfs.file.exists[/etc]", "vfs.file.exists[\"/etc\"]", true },
	{ "vfs.file.exists[\"/etc\"]", "vfs.file.exists[/etc]", true },
	{ "vfs.file.exists[*/passwd]", "vfs.file.exists[/etc/passwd]", true },
	{ "vfs.file.exists", "vfs.file.exists[/etc]", false },
	{ "vfs.file.exists", "vfs.file.exists[]", false },
	{ "vfs.file.*", "vfs.file.exists", true },
	{ "vfs.file.*", "vfs.file.exists[/etc]", false },
	{ "*", "vfs.file.exists[/etc]", true },
	{ "vfs.file.exists[,*]", "vfs.file.exists[/etc]", false },
	{ "vfs.file.exists[ /etc]", "vfs.file.exists[/etc]", true },
	{ "vfs.file.exists[*c,dir]", "vfs.file.exists[/etc,dir]", true },
	{ "vfs.file.exists[*a*]", "vfs.file.exists[\"a,b\"]", true },
	{ "vfs.file.exists[a,b]", "vfs.file.exists[\"a,b\"]", false },
	{ "system.run[echo *]", "system.run[\"echo a  b\"]", true },
	{ "system.run[echo *]", "system.run[uname]", false },
	{ "vfs.file.contents[/etc/shadow]",
	    "vfs.file.contents[ \"/etc/shadow\"]", true },
};

START_TEST(key_rule)
{
	char s1[256], s2[256];
	struct zbx_key r, k;

	ck_assert_int_eq(zbx_key_rule_parse(rule_cases[_i].rule,
	    strlen(rule_cases[_i].rule), &r, s1, sizeof(s1)), 0);
	ck_assert_int_eq(zbx_key_parse(rule_cases[_i].key,
	    strlen(rule_cases[_i].key), &k, s2, sizeof(s2)), 0);
	ck_assert_msg(zbx_key_rule_match(&r, &k) == rule_cases[_i].match,
	    "rule %s, key %s", rule_cases[_i].rule, rule_cases[_i].key);
}
END_TEST

/* --- JSON -------------------------------------------------------------- */

START_TEST(json_basic)
{
	const char *s = "{\"response\":\"success\",\"data\":[{\"key\":"
	    "\"a\\\"b\",\"delay\":5},{\"key\":\"\\u00e9\",\"delay\":\"1m\"}]}";
	struct json_tok t[32];
	int n = json_parse(s, strlen(s), t, 32), d, e;
	char out[32];
	int64_t v;

	ck_assert_int_eq(n, json_parse(s, strlen(s), NULL, 0));
	ck_assert_int_gt(n, 0);
	ck_assert(json_eq(s, t, json_get(s, t, 0, "response"), "success"));
	d = json_get(s, t, 0, "data");
	ck_assert_int_eq(t[d].type, JSON_ARRAY);
	ck_assert_int_eq(t[d].size, 2);
	e = d + 1;
	ck_assert_int_eq(json_string(s, t, json_get(s, t, e, "key"), out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "a\"b");
	ck_assert_int_eq(json_int64(s, t, json_get(s, t, e, "delay"), &v), 0);
	ck_assert_int_eq(v, 5);
	e = t[e].next;
	ck_assert_int_eq(json_string(s, t, json_get(s, t, e, "key"), out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "\xc3\xa9");
	ck_assert_int_eq(json_get(s, t, 0, "nope"), -1);
}
END_TEST

static const char *const bad_json[] = { "", "{", "{\"a\":}", "[1,]", "{\"a\"1}",
	"\"\\x\"", "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]", "{} x", "nul\x01" };

START_TEST(json_bad)
{
	ck_assert_int_eq(json_parse(bad_json[_i], strlen(bad_json[_i]), NULL, 0),
	    -1);
}
END_TEST

/* --- allow list --------------------------------------------------------- */

START_TEST(allow_list)
{
	struct allow_entry e[3];
	struct sockaddr_in s4 = { .sin_family = AF_INET };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };

	ck_assert_int_eq(agent_allow_parse("10.1.0.0/16", &e[0]), 0);
	ck_assert_int_eq(agent_allow_parse("::1", &e[1]), 0);
	ck_assert_int_eq(agent_allow_parse("192.168.1.7", &e[2]), 0);
	ck_assert_int_eq(agent_allow_parse("zabbix.example", &e[2]), -1);
	ck_assert_int_eq(agent_allow_parse("10.0.0.0/33", &e[2]), -1);
	ck_assert_int_eq(agent_allow_parse("192.168.1.7", &e[2]), 0);
	inet_pton(AF_INET, "10.1.200.3", &s4.sin_addr);
	ck_assert(agent_allow_match(e, 3, (struct sockaddr *)&s4));
	inet_pton(AF_INET, "10.2.0.1", &s4.sin_addr);
	ck_assert(!agent_allow_match(e, 3, (struct sockaddr *)&s4));
	inet_pton(AF_INET6, "::ffff:192.168.1.7", &s6.sin6_addr);
	ck_assert(agent_allow_match(e, 3, (struct sockaddr *)&s6));
	inet_pton(AF_INET6, "::1", &s6.sin6_addr);
	ck_assert(agent_allow_match(e, 3, (struct sockaddr *)&s6));
	inet_pton(AF_INET6, "::2", &s6.sin6_addr);
	ck_assert(!agent_allow_match(e, 3, (struct sockaddr *)&s6));
}
END_TEST

/* --- metrics against fixtures ------------------------------------------ */

static const struct {
	const char *root;
	const char *key;
	const char *want;	/* "!..." : ZBX_NOTSUPPORTED with that text */
} metric_cases[] = {
	{ "a", "agent.ping", "1" },
	{ "a", "agent.ping[x]", "!Item does not allow parameters." },
	{ "a", "agent.hostname", "fixture-host" },
	{ "a", "agent.variant", "1" },
	{ "a", "no.such.key", "!Unsupported item key." },
	{ "a", "agent.ping ", "!Invalid item key format." },
	{ "a", "system.run[echo hi]", "!Unsupported item key." },
	{ "a", "log[/var/log/x]", "!Accessible only as active check." },
	{ "a", "system.uptime", "8612" },
	{ "a", "system.boottime", "1795570410" },
	{ "a", "system.cpu.load", "0.250000" },
	{ "a", "system.cpu.load[all,avg5]", "0.500000" },
	{ "a", "system.cpu.load[percpu,avg15]", "0.500000" },
	{ "a", "system.cpu.load[all,avg2]", "!Invalid second parameter." },
	{ "a", "system.cpu.load[x]", "!Invalid first parameter." },
	{ "a", "system.cpu.load[,,]", "!Too many parameters." },
	{ "a", "system.cpu.num", "2" },
	{ "a", "system.cpu.num[max]", "2" },
	{ "a", "system.cpu.num[x]", "!Invalid first parameter." },
	{ "a", "vm.memory.size", "1024000000" },
	{ "a", "vm.memory.size[free]", "256000000" },
	{ "a", "vm.memory.size[used]", "768000000" },
	{ "a", "vm.memory.size[pused]", "75.000000" },
	{ "a", "vm.memory.size[available]", "614400000" },
	{ "a", "vm.memory.size[pavailable]", "60.000000" },
	{ "a", "vm.memory.size[cached]", "307200000" },
	{ "a", "vm.memory.size[buffers]", "10240000" },
	{ "a", "vm.memory.size[slab]", "51200000" },
	{ "a", "vm.memory.size[shared]", "!Supported for Linux 2.4 only." },
	{ "a", "vm.memory.size[wired]", "!Invalid first parameter." },
	{ "a", "kernel.maxfiles", "2466177" },
	{ "a", "kernel.maxproc", "32768" },
	{ "a", "proc.num", "3" },
	{ "a", "proc.num[httpd]", "1" },
	{ "a", "proc.num[,,run]", "1" },
	{ "a", "proc.num[,,zomb]", "1" },
	{ "a", "proc.num[,,sleep]", "1" },
	{ "a", "proc.num[,root]", "2" },
	{ "a", "proc.num[,nosuchuser]", "0" },
	{ "a", "proc.num[,,,FOREGROUND]", "1" },
	{ "a", "proc.num[,,,bin]", "2" },
	{ "a", "proc.num[,,,^/usr/s?bin/\\w+ -D]", "1" },
	{ "a", "proc.num[,,,(?i)foreground$]", "1" },
	{ "a", "proc.num[httpd,,,\\binit]", "0" },
	{ "a", "proc.num[,,,(]", "!Invalid regular expression in fourth "
	    "parameter: missing closing parenthesis at offset 1" },
	{ "a", "proc.num[,,x]", "!Invalid third parameter." },
	{ "a", "proc.num[a,b,c,d,e]", "!Too many parameters." },
	{ "a", "net.if.in[eth0]", "123456789" },
	{ "a", "net.if.in[eth0,packets]", "1234" },
	{ "a", "net.if.in[eth0,multicast]", "6" },
	{ "a", "net.if.out[eth0]", "987654321" },
	{ "a", "net.if.out[eth0,collisions]", "10" },
	{ "a", "net.if.out[eth0,carrier]", "11" },
	{ "a", "net.if.out[eth0,frame]", "!Invalid second parameter." },
	{ "a", "net.if.total[eth0,errors]", "8" },
	{ "a", "net.if.in[nosuchif]", "!Cannot find information for this "
	    "network interface in /proc/net/dev." },
	{ "a", "net.if.in", "!Network interface name cannot be empty." },
	{ "a", "net.if.discovery", "[{\"{#IFNAME}\":\"lo\"},{\"{#IFNAME}\":"
	    "\"eth0\"}]" },
	{ "a", "net.tcp.listen[10050]", "1" },
	{ "a", "net.tcp.listen[22]", "0" },
	{ "a", "net.tcp.listen[80]", "1" },
	{ "a", "net.tcp.listen[x]", "!Invalid first parameter." },
	{ "a", "net.tcp.listen[70000]", "!Invalid first parameter." },
	{ "a", "net.udp.listen[68]", "1" },
	{ "a", "net.udp.listen[69]", "0" },
	{ "a", "vfs.fs.discovery", "[{\"{#FSNAME}\":\"/proc\",\"{#FSTYPE}\":"
	    "\"proc\"},{\"{#FSNAME}\":\"/\",\"{#FSTYPE}\":\"ext4\"},"
	    "{\"{#FSNAME}\":\"/mnt/with space\",\"{#FSTYPE}\":\"tmpfs\"}]" },
	{ "a", "vfs.fs.size", "!Filesystem name cannot be empty." },
	{ "a", "vfs.fs.size[/,x]", "!Invalid second parameter." },
	{ "a", "vfs.fs.size[/nono,free]", "!Cannot obtain filesystem "
	    "information: [2] No such file or directory" },
	{ "a", "vfs.fs.inode[/,x]", "!Invalid second parameter." },
	{ "a", "vfs.file.exists[" FIX "/a/proc/uptime]", "1" },
	{ "a", "vfs.file.exists[" FIX "/a/proc]", "0" },
	{ "a", "vfs.file.exists[" FIX "/a/proc,dir]", "1" },
	{ "a", "vfs.file.exists[" FIX "/a/proc,x]", "!Invalid type \"x\"." },
	{ "a", "vfs.file.exists[/nonexistent]", "0" },
	{ "a", "vfs.file.exists[]", "!Invalid first parameter." },
	{ "a", "vfs.file.size[" FIX "/a/proc/uptime]", "17" },
	{ "a", "vfs.file.size[" FIX "/a/proc/meminfo,lines]", "9" },
	{ "a", "vfs.file.size[/nonexistent]", "!Cannot obtain file information: "
	    "[2] No such file or directory" },
	{ "a", "vfs.file.contents[" FIX "/a/proc/uptime]", "8612.34 17000.10" },
	{ "a", "vfs.file.contents[/nonexistent]", "!Cannot open file: [2] No "
	    "such file or directory" },
	{ "a", "vfs.file.contents[" FIX "/a/proc]", "!Cannot read from file." },
	{ "a", "vcore.cgroup.memory", "104857600" },
	{ "a", "vcore.cgroup.memory[limit]", "419430400" },
	{ "a", "vcore.cgroup.memory[pused]", "25.000000" },
	{ "a", "vcore.cgroup.memory[x]", "!Invalid first parameter." },
	{ "a", "vcore.cgroup.cpu[quota]", "0.500000" },
	{ "a", "vcore.cgroup.cpu[usage]", "2.500000" },
	{ "a", "vcore.cgroup.cpu[throttled]", "0.750000" },
	{ "b", "vcore.cgroup.memory[usage]", "52428800" },
	{ "b", "vcore.cgroup.memory[limit]", "1024000000" },
	{ "b", "vcore.cgroup.memory[pused]", "5.120000" },
	{ "b", "vcore.cgroup.cpu[quota]", "2.000000" },
	{ "b", "vcore.cgroup.cpu[usage]", "3.000000" },
	{ "b", "vcore.cgroup.cpu[throttled]", "1.500000" },
	{ "b", "vcore.cgroup.cpu[a,b]", "!Too many parameters." },
	{ "a", "vcore.service.state[]", "!Invalid first parameter." },
	{ "a", "up.echo[a;b]", "!Special characters \"\\, ', \", `, *, ?, [, ], "
	    "{, }, ~, $, !, &, ;, (, ), <, >, |, #, @, 0x0a\" are not allowed "
	    "in the parameters." },
	{ "a", "up.plain[x]", "!Item does not allow parameters." },
};

static struct user_param test_ups[2] = {
	{ "up.echo", true, "echo $1", 3000 },
	{ "up.plain", false, "echo plain", 3000 },
};

static void
fixture_agent(struct agent *ag, const char *root)
{
	static char path[256];

	memset(ag, 0, sizeof(*ag));
	snprintf(path, sizeof(path), FIX "/%s", root);
	ag->root = path;
	ag->cfg.hostname = "fixture-host";
	ag->cfg.timeout_ms = 3000;
	ag->cfg.max_lines = 20;
	ag->cfg.user_params = test_ups;
	ag->cfg.nuser_params = 2;
	ag->resolver.fd = -1;
}

START_TEST(metrics)
{
	struct agent ag;
	struct agent_result res = { 0 };
	const char *want = metric_cases[_i].want;

	fixture_agent(&ag, metric_cases[_i].root);
	res.text = &ag.value;
	agent_eval(&ag, metric_cases[_i].key, strlen(metric_cases[_i].key),
	    &res);
	ck_assert(!res.pending);
	if (want[0] == '!') {
		ck_assert_msg(res.error, "%s: want an error, got '%s'",
		    metric_cases[_i].key, buf_str(res.text));
		ck_assert_str_eq(buf_str(res.text), want + 1);
	} else {
		ck_assert_msg(!res.error, "%s: error '%s'",
		    metric_cases[_i].key, buf_str(res.text));
		ck_assert_str_eq(buf_str(res.text), want);
	}
	agent_ctl_free(&ag);
	buf_free(&ag.value);
}
END_TEST

/* A waiter that keeps what it was given. */
struct test_waiter {
	struct agent_waiter w;
	int calls;
	bool error;
	char text[128];
};

static void
test_done(struct agent *ag, struct agent_waiter *w, bool error,
    const char *text, size_t len)
{
	struct test_waiter *tw = (struct test_waiter *)w;

	(void)ag;
	tw->calls++;
	tw->error = error;
	snprintf(tw->text, sizeof(tw->text), "%.*s", (int)len, text);
}

/* The first request wakes the collector and waits for its second sample,
 * taken here from the fixture b after the fixture a. */
static void
cpu_wake_with(struct agent *ag, const char *key, const char *want)
{
	struct test_waiter tw = { { test_done, NULL }, 0, false, "" };
	struct agent_result res = { 0 };
	uint64_t wakeups = ag->cpu.wakeups;

	ag->root = FIX "/a";
	res.text = &ag->value;
	res.waiter = &tw.w;
	agent_eval(ag, key, strlen(key), &res);
	ck_assert(res.pending);
	ck_assert(ag->cpu.running);
	ck_assert_uint_eq(ag->cpu.wakeups, wakeups + 1);
	/* Nothing before the second sample is due. */
	ck_assert_int_eq(agent_cpu_timers(ag, ag->cpu.next_ms - 1),
	    ag->cpu.next_ms);
	ck_assert_int_eq(tw.calls, 0);
	ag->root = FIX "/b";
	ck_assert_int_eq(agent_cpu_timers(ag, ag->cpu.next_ms),
	    ag->cpu.next_ms);
	ck_assert_int_eq(tw.calls, 1);
	ck_assert_msg(!tw.error, "%s: %s", key, tw.text);
	ck_assert_str_eq(tw.text, want);
}

/* system.cpu.util between the two /proc/stat fixtures a and b. */
START_TEST(cpu_util)
{
	static const struct {
		const char *key;
		const char *want;
	} c[] = {
		/* deltas: total 900 (user 100, system 100, idle 700); guest
		 * time is taken out of user as zabbix_agentd does */
		{ "system.cpu.util", "11.111111" },
		{ "system.cpu.util[,system]", "11.111111" },
		{ "system.cpu.util[all,idle,avg5]", "77.777778" },
		{ "system.cpu.util[0,user]", "22.222222" },
		{ "system.cpu.util[1,idle,avg15]", "88.888889" },
		{ "system.cpu.util[2]", "!Cannot obtain CPU information." },
		{ "system.cpu.util[x]", "!Invalid first parameter." },
		{ "system.cpu.util[,x]", "!Invalid second parameter." },
		{ "system.cpu.util[,,x]", "!Invalid third parameter." },
		{ "system.cpu.util[,,,x]", "!Too many parameters." },
	};
	struct agent ag;
	struct agent_result res = { 0 };

	fixture_agent(&ag, "a");
	agent_cpu_init(&ag);
	ck_assert_int_eq(ag.cpu.ncpu, 2);
	/* Asleep until asked: no timer, no samples. */
	ck_assert(!ag.cpu.running);
	ck_assert_int_eq(agent_cpu_timers(&ag, 0), -1);
	ck_assert_ptr_null(ag.cpu.mem);
	cpu_wake_with(&ag, "system.cpu.util", "11.111111");
	res.text = &ag.value;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		agent_eval(&ag, c[i].key, strlen(c[i].key), &res);
		ck_assert(!res.pending);
		if (c[i].want[0] == '!') {
			ck_assert(res.error);
			ck_assert_str_eq(buf_str(res.text), c[i].want + 1);
		} else {
			ck_assert_msg(!res.error, "%s: %s", c[i].key,
			    buf_str(res.text));
			ck_assert_str_eq(buf_str(res.text), c[i].want);
		}
	}
	/* Asked within the last 16 minutes: it samples on. */
	ck_assert_int_gt(agent_cpu_timers(&ag, ag.cpu.asked_ms +
	    CPU_IDLE_STOP_MS), 0);
	ck_assert(ag.cpu.running);
	/* At its next sample it sleeps, frees its samples, sets no timer. */
	ck_assert_int_gt(ag.cpu.next_ms, ag.cpu.asked_ms + CPU_IDLE_STOP_MS);
	ck_assert_int_eq(agent_cpu_timers(&ag, ag.cpu.next_ms), -1);
	ck_assert(!ag.cpu.running);
	ck_assert_ptr_null(ag.cpu.mem);
	ck_assert_int_eq(agent_cpu_timers(&ag, ag.cpu.asked_ms +
	    CPU_IDLE_STOP_MS + 5000), -1);
	/* The next request wakes it again. */
	cpu_wake_with(&ag, "system.cpu.util[0,user]", "22.222222");
	agent_cpu_free(&ag);
	agent_job_free_all(&ag);
	buf_free(&ag.value);
}
END_TEST

/* A caller that cannot wait (host_metadata_item), and the agent
 * stopping while a request waits. */
START_TEST(cpu_util_edges)
{
	struct test_waiter tw = { { test_done, NULL }, 0, false, "" };
	struct agent ag;
	struct agent_result res = { 0 };

	fixture_agent(&ag, "a");
	agent_cpu_init(&ag);
	res.text = &ag.value;
	agent_eval(&ag, "system.cpu.util", strlen("system.cpu.util"), &res);
	ck_assert(res.error);
	ck_assert_str_eq(buf_str(res.text), "Collector is not started.");
	ck_assert(ag.cpu.running);
	res.waiter = &tw.w;
	agent_eval(&ag, "system.cpu.util", strlen("system.cpu.util"), &res);
	ck_assert(res.pending);
	agent_cpu_free(&ag);
	ck_assert_int_eq(tw.calls, 1);
	ck_assert(tw.error);
	ck_assert_str_eq(tw.text, "The agent is stopping.");
	ck_assert_ptr_null(ag.jobs);
	buf_free(&ag.value);
}
END_TEST

START_TEST(hostport)
{
	char h[64];
	int port;

	ck_assert_int_eq(agent_split_hostport("zbx:10052", h, sizeof(h), &port,
	    10051), 0);
	ck_assert_str_eq(h, "zbx");
	ck_assert_int_eq(port, 10052);
	ck_assert_int_eq(agent_split_hostport("zbx", h, sizeof(h), &port,
	    10051), 0);
	ck_assert_int_eq(port, 10051);
	ck_assert_int_eq(agent_split_hostport("[::1]:7", h, sizeof(h), &port,
	    10051), 0);
	ck_assert_str_eq(h, "::1");
	ck_assert_int_eq(port, 7);
	ck_assert_int_eq(agent_split_hostport("::1", h, sizeof(h), &port,
	    10051), 0);
	ck_assert_str_eq(h, "::1");
	ck_assert_int_eq(agent_split_hostport("zbx:0", h, sizeof(h), &port,
	    10051), -1);
	ck_assert_int_eq(agent_split_hostport("[::1", h, sizeof(h), &port,
	    10051), -1);
}
END_TEST

/* --- log[] and logrt[] against files made here ------------------------- */

struct log_fixture {
	struct agent ag;
	struct active_server srv;
	struct active_item it;
	char dir[64];
	char path[128];
};

/* The item key is head, the scratch folder, then tail. */
static void
log_setup(struct log_fixture *lf, const char *head, const char *tail)
{
	char key[512];

	memset(lf, 0, sizeof(*lf));
	snprintf(lf->dir, sizeof(lf->dir), "/tmp/vcore-logrt.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(lf->dir));
	snprintf(key, sizeof(key), "%s%s%s", head, lf->dir, tail);
	lf->ag.cfg.max_lines = 20;
	lf->srv.vcap = 64;
	lf->srv.vals = calloc(64, sizeof(*lf->srv.vals));
	lf->it.key = strdup(key);
	lf->it.is_logrt = strncmp(key, "logrt[", 6) == 0;
	lf->it.is_log = !lf->it.is_logrt;
	lf->it.delay_ms = 1000;
	lf->it.srv = &lf->srv;
}

/* Appends text to dir/name and sets its mtime to the second t (0: now). */
static void
log_write(struct log_fixture *lf, const char *name, const char *text,
    time_t t)
{
	struct timeval tv[2] = { { t, 0 }, { t, 0 } };
	FILE *f;

	snprintf(lf->path, sizeof(lf->path), "%s/%s", lf->dir, name);
	f = fopen(lf->path, "a");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	if (t != 0) {
		ck_assert_int_eq(utimes(lf->path, tv), 0);
	}
}

/* Runs one check; returns its values joined by '|' ('!' before an
 * unsupported one) and empties the buffer. */
static const char *
log_check(struct log_fixture *lf)
{
	static char out[1024];
	struct active_server *s = &lf->srv;

	agent_log_check(&lf->ag, &lf->it);
	out[0] = '\0';
	for (int i = 0; i < s->nvals; i++) {
		struct active_value *v = &s->vals[(s->vhead + i) % s->vcap];

		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s%s",
		    i > 0 ? "|" : "", v->unsupported ? "!" : "", v->value);
		free(v->key);
		free(v->value);
	}
	s->nvals = 0;
	s->vhead = 0;
	s->vbytes = 0;
	return out;
}

static void
log_teardown(struct log_fixture *lf)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", lf->dir);
	ck_assert_int_eq(system(cmd), 0);
	free(lf->it.key);
	free(lf->srv.vals);
}

/* A rotation where both files have the same mtime, a line written late
 * to the renamed file, then more late lines: every line once. */
START_TEST(logrt_rotation)
{
	struct log_fixture lf;
	char from[192], to[192];
	time_t t = 1700000000;

	log_setup(&lf, "logrt[", "/^app\\.log(\\.1)?$]");
	log_write(&lf, "app.log", "a1\na2\n", t);
	ck_assert_str_eq(log_check(&lf), "a1|a2");
	ck_assert_str_eq(log_check(&lf), "");
	log_write(&lf, "app.log", "a3\n", t);
	snprintf(from, sizeof(from), "%s/app.log", lf.dir);
	snprintf(to, sizeof(to), "%s/app.log.1", lf.dir);
	ck_assert_int_eq(rename(from, to), 0);
	log_write(&lf, "app.log.1", "late\n", t);
	log_write(&lf, "app.log", "b1\n", t);
	ck_assert_str_eq(log_check(&lf), "a3|late");
	ck_assert_str_eq(log_check(&lf), "b1");
	ck_assert_str_eq(log_check(&lf), "");
	ck_assert_str_eq(log_check(&lf), "");
	/* The rotated file written to again: only what is new. */
	log_write(&lf, "app.log.1", "late2\n", t + 1);
	ck_assert_str_eq(log_check(&lf), "late2");
	ck_assert_str_eq(log_check(&lf), "");
	log_write(&lf, "app.log", "b2\n", t + 2);
	ck_assert_str_eq(log_check(&lf), "b2");
	ck_assert_str_eq(log_check(&lf), "");
	/* A file older than the one being read is not read. */
	log_write(&lf, "app.log.2", "old\n", t - 100);
	ck_assert_str_eq(log_check(&lf), "");
	/* The current file truncated and written again: from its start. */
	ck_assert_int_eq(truncate(from, 0), 0);
	log_write(&lf, "app.log", "c1\n", t + 3);
	ck_assert_str_eq(log_check(&lf), "c1");
	ck_assert_str_eq(log_check(&lf), "");
	log_teardown(&lf);
}
END_TEST

START_TEST(log_regexps)
{
	struct log_fixture lf;

	log_setup(&lf, "log[", "/f.log,\"(?i)\\berror\\b\"]");
	log_write(&lf, "f.log", "x\nERROR y\nerrors z\nan error\n", 0);
	ck_assert_str_eq(log_check(&lf), "ERROR y|an error");
	log_teardown(&lf);
	log_setup(&lf, "log[", "/f.log,\"a(\"]");
	log_write(&lf, "f.log", "a(\n", 0);
	ck_assert_str_eq(log_check(&lf), "!Invalid regular expression in "
	    "second parameter: missing closing parenthesis at offset 2");
	log_teardown(&lf);
	log_setup(&lf, "logrt[", "/app(]");
	ck_assert_str_eq(log_check(&lf), "!Cannot compile a regular "
	    "expression describing filename pattern: missing closing "
	    "parenthesis at offset 4");
	log_teardown(&lf);
}
END_TEST

static Suite *
monitor_suite(void)
{
	Suite *s = suite_create("monitor");
	TCase *tc = tcase_create("codec");

	tcase_add_loop_test(tc, codec_flags, 0, 16);
	tcase_add_loop_test(tc, codec_prefix, 0, 13);
	tcase_add_test(tc, codec_limits);
	tcase_add_test(tc, codec_headerless);
	tcase_add_loop_test(tc, codec_roundtrip, 0, 2);
	tcase_add_test(tc, codec_bomb);
	suite_add_tcase(s, tc);
	tc = tcase_create("key");
	tcase_add_loop_test(tc, key_parse, 0,
	    (int)(sizeof(key_cases) / sizeof(key_cases[0])));
	tcase_add_test(tc, key_limits);
	tcase_add_test(tc, key_match);
	tcase_add_loop_test(tc, key_rule, 0,
	    (int)(sizeof(rule_cases) / sizeof(rule_cases[0])));
	suite_add_tcase(s, tc);
	tc = tcase_create("json");
	tcase_add_test(tc, json_basic);
	tcase_add_loop_test(tc, json_bad, 0,
	    (int)(sizeof(bad_json) / sizeof(bad_json[0])));
	tcase_add_test(tc, allow_list);
	tcase_add_test(tc, hostport);
	suite_add_tcase(s, tc);
	tc = tcase_create("metrics");
	tcase_add_loop_test(tc, metrics, 0,
	    (int)(sizeof(metric_cases) / sizeof(metric_cases[0])));
	tcase_add_test(tc, cpu_util);
	tcase_add_test(tc, cpu_util_edges);
	tcase_add_test(tc, logrt_rotation);
	tcase_add_test(tc, log_regexps);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(monitor_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
