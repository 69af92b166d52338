// SPDX-License-Identifier: BSD-2-Clause
/*
 * filter/procterms.c: proc.name, proc.pid and container.id terms come out
 * of a filter when joined by a top-level and, the rest stays for the
 * kernel; under or, not or parentheses they are refused; the terms match
 * the processes they name and no other, and nothing without a process.
 */
#include <string.h>
#include "check.h"
#include "filter/procterms.h"

static void split_ok(int line, const char *expr, const char *want_rest, int want_n)
{
	struct pl_proc_terms pt;
	char rest[256], err[256] = "";

	if (pl_proc_terms_split(expr, &pt, rest, sizeof(rest), err, sizeof(err)))
		failf(line, "'%s' refused: %s", expr, err);
	else if (strcmp(rest, want_rest) || pt.n != want_n)
		failf(line, "'%s': rest '%s' (%d terms), want '%s' (%d)", expr, rest, pt.n, want_rest,
		      want_n);
}
#define SPLIT(e, r, n) split_ok(__LINE__, (e), (r), (n))

static void refused(int line, const char *expr, const char *want_err)
{
	struct pl_proc_terms pt;
	char rest[256], err[256] = "";

	if (!pl_proc_terms_split(expr, &pt, rest, sizeof(rest), err, sizeof(err)))
		failf(line, "'%s' accepted (rest '%s')", expr, rest);
	else if (!strstr(err, want_err))
		failf(line, "'%s': message '%s' lacks '%s'", expr, err, want_err);
}
#define REFUSED(e, m) refused(__LINE__, (e), (m))

static void test_split(void)
{
	SPLIT("tcp port 80", "tcp port 80", 0);
	SPLIT("", "", 0);
	SPLIT("proc.name == \"nginx\"", "", 1);
	SPLIT("tcp and proc.name == \"nginx\"", "tcp", 1);
	SPLIT("proc.pid == 42 and (port 80 or port 443) and container.id ~ \"abc\"",
	      "(port 80 or port 443)", 2);
	SPLIT("tcp && proc.pid != 7 && udp", "tcp and udp", 1);
	/* "and" inside a string or parentheses is not a cut */
	SPLIT("tls.sni == \"a and b\" and proc.name == \"x and y\"", "tls.sni == \"a and b\"", 1);
	SPLIT("(tcp and port 80)", "(tcp and port 80)", 0);
	SPLIT("tcp and sand", "tcp and sand", 0);
}

static void test_refused(void)
{
	REFUSED("tcp or proc.name == \"x\"", "top-level 'and'");
	REFUSED("not proc.pid == 3", "top-level 'and'");
	REFUSED("(proc.pid == 3 and tcp)", "top-level 'and'");
	REFUSED("proc.pid == x", "proc.pid takes == or != and a pid");
	REFUSED("proc.pid ~ 3", "proc.pid takes == or != and a pid");
	REFUSED("proc.pid == 0", "proc.pid takes");
	REFUSED("proc.name == nginx", "takes a quoted string");
	REFUSED("proc.name > \"a\"", "with ==, != or ~");
	REFUSED("proc.pid == 1 or tcp", "top-level 'and'");
	REFUSED("proc.pid == 1 and proc.pid == 2 and proc.pid == 3 and proc.pid == 4 and "
		"proc.pid == 5 and proc.pid == 6 and proc.pid == 7 and proc.pid == 8 and "
		"proc.pid == 9",
		"at most 8");
}

static void test_match(void)
{
	struct pl_proc nginx = { .pid = 42, .name = "nginx", .container = "abcdef" };
	struct pl_proc curl = { .pid = 7, .name = "curl" };
	struct pl_proc_terms pt;
	char rest[64], err[256];

	TRUE(!pl_proc_terms_split("proc.name == \"nginx\" and container.id ~ \"cde\"", &pt, rest,
				  sizeof(rest), err, sizeof(err)));
	TRUE(pl_proc_terms_match(&pt, &nginx));
	TRUE(!pl_proc_terms_match(&pt, &curl));
	TRUE(!pl_proc_terms_match(&pt, NULL));
	TRUE(!pl_proc_terms_split("proc.pid != 42", &pt, rest, sizeof(rest), err, sizeof(err)));
	TRUE(!pl_proc_terms_match(&pt, &nginx));
	TRUE(pl_proc_terms_match(&pt, &curl));
	TRUE(!pl_proc_terms_match(&pt, &(struct pl_proc){ .cgroup_id = 5 }));
	TRUE(!pl_proc_terms_split("tcp", &pt, rest, sizeof(rest), err, sizeof(err)));
	TRUE(pl_proc_terms_match(&pt, NULL)); /* no terms: everything */
}

int main(void)
{
	run("procterms: proc terms split from the kernel's filter at top-level and", test_split);
	run("procterms: proc terms under or/not/parentheses and bad values refused", test_refused);
	run("procterms: terms match their process only", test_match);
	return check_summary("test_procterms");
}
