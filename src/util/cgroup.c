// SPDX-License-Identifier: BSD-2-Clause
#include <string.h>
#include "cgroup.h"

static int is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* One path component [s, s + n): the id after its last '-' or ':' (or the
 * whole component), without a ".scope" suffix. */
static int component_id(const char *s, size_t n, char *out, size_t room)
{
	const char *id = s;
	size_t i;

	if (n > 6 && !memcmp(s + n - 6, ".scope", 6))
		n -= 6;
	if (memmem(s, n, "conmon", 6))
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == '-' || s[i] == ':')
			id = s + i + 1;
	n -= (size_t)(id - s);
	if (n != PL_CONTAINER_ID_LEN || !is_hex(id, n) || room <= n)
		return 0;
	memcpy(out, id, n);
	out[n] = '\0';
	return 1;
}

int pl_container_id(const char *path, char *out, size_t n)
{
	const char *end = path + strcspn(path, "\n"), *p = end, *start;

	while (p > path) {
		while (p > path && p[-1] == '/')
			p--;
		start = p;
		while (start > path && start[-1] != '/')
			start--;
		if (p > start && component_id(start, (size_t)(p - start), out, n))
			return 1;
		p = start;
	}
	return 0;
}

int pl_container_id_of_proc(const char *text, char *out, size_t n)
{
	const char *line = text, *path;

	/* "ID:CONTROLLERS:PATH" per line */
	while (*line) {
		const char *eol = line + strcspn(line, "\n");

		path = memchr(line, ':', (size_t)(eol - line));
		if (path)
			path = memchr(path + 1, ':', (size_t)(eol - path - 1));
		if (path && pl_container_id(path + 1, out, n))
			return 1;
		line = *eol ? eol + 1 : eol;
	}
	return 0;
}
