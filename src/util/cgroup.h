/* SPDX-License-Identifier: BSD-2-Clause */
/* A container's id from a cgroup path (--attribute's container.id). */
#ifndef PKTLENS_CGROUP_H
#define PKTLENS_CGROUP_H

#include <stddef.h>

#define PL_CONTAINER_ID_LEN 64 /* docker, containerd, CRI-O and podman ids: 64 hex digits */

/*
 * The container id in a cgroup path, as the runtimes name their cgroups:
 * systemd's docker-ID.scope, cri-containerd-ID.scope, crio-ID.scope,
 * libpod-ID.scope; cgroupfs's /docker/ID, /kubepods/.../podUID/ID;
 * containerd's ...slice:cri-containerd:ID. The innermost component wins;
 * conmon's cgroups (podman's, CRI-O's monitor) are not the container's.
 * Writes the id and a NUL to out (room for PL_CONTAINER_ID_LEN + 1) and
 * returns 1, or returns 0 when the path names no container.
 */
int pl_container_id(const char *path, char *out, size_t n);

/* The same from the text of /proc/PID/cgroup (every hierarchy's line). */
int pl_container_id_of_proc(const char *text, char *out, size_t n);

#endif
