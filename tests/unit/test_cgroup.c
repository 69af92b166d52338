// SPDX-License-Identifier: BSD-2-Clause
/*
 * util/cgroup.c: container.id from the cgroup paths docker, containerd,
 * CRI-O, podman and kubelet make (systemd and cgroupfs drivers), and none
 * from paths that name no container.
 */
#include <string.h>
#include "check.h"
#include "util/cgroup.h"

#define ID  "4f1d3c0b5a2e9f8d7c6b5a4e3d2c1b0a9f8e7d6c5b4a3e2d1c0b9a8f7e6d5c4b"
#define ID2 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void want(int line, const char *path, const char *id)
{
	char out[PL_CONTAINER_ID_LEN + 1] = "x";
	int got = pl_container_id(path, out, sizeof(out));

	if (id && (!got || strcmp(out, id)))
		failf(line, "%s: got %s, want %s", path, got ? out : "(none)", id);
	if (!id && got)
		failf(line, "%s: got %s, want none", path, out);
}
#define WANT(path, id) want(__LINE__, (path), (id))

static void test_runtimes(void)
{
	WANT("/system.slice/docker-" ID ".scope", ID);
	WANT("/docker/" ID, ID);
	WANT("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c3d4e_5f60_"
	     "7182_9304_a5b6c7d8e9f0.slice/cri-containerd-" ID ".scope",
	     ID);
	WANT("/kubepods/besteffort/pod1b2c3d4e-5f60-7182-9304-a5b6c7d8e9f0/" ID, ID);
	WANT("/kubepods.slice/kubepods-pod1b2c3d4e_5f60.slice/crio-" ID ".scope", ID);
	WANT("/machine.slice/libpod-" ID ".scope", ID);
	WANT("/machine.slice/libpod-" ID ".scope/container", ID);
	WANT("/system.slice/containerd.service/kubepods-burstable-pod1b2c.slice:cri-containerd:" ID,
	     ID);
	/* a nested container: the innermost */
	WANT("/docker/" ID2 "/docker/" ID, ID);
	WANT("/docker/" ID "/\n", ID);
}

static void test_no_container(void)
{
	WANT("/", NULL);
	WANT("", NULL);
	WANT("/user.slice/user-1000.slice/session-2.scope", NULL);
	WANT("/system.slice/nginx.service", NULL);
	/* podman's and CRI-O's monitor is not the container */
	WANT("/machine.slice/libpod-conmon-" ID ".scope", NULL);
	/* 63 and 65 digits, upper case: not an id */
	WANT("/docker/" ID "0", NULL);
	WANT("/docker/4f1d3c0b5a2e9f8d7c6b5a4e3d2c1b0a9f8e7d6c5b4a3e2d1c0b9a8f7e6d5c4", NULL);
	WANT("/docker/4F1D3C0B5A2E9F8D7C6B5A4E3D2C1B0A9F8E7D6C5B4A3E2D1C0B9A8F7E6D5C4B", NULL);
	WANT("/kubepods/besteffort/pod1b2c3d4e-5f60-7182-9304-a5b6c7d8e9f0", NULL);
}

static void test_small_buffer(void)
{
	char out[PL_CONTAINER_ID_LEN] = "";

	EQ(pl_container_id("/docker/" ID, out, sizeof(out)), 0);
}

static void test_proc_file(void)
{
	char out[PL_CONTAINER_ID_LEN + 1];

	/* cgroup v2 only */
	EQ(pl_container_id_of_proc("0::/system.slice/docker-" ID ".scope\n", out, sizeof(out)), 1);
	STR(strlen(out), out, ID);
	/* hybrid: v2 at the root, the container in a v1 hierarchy */
	EQ(pl_container_id_of_proc("12:memory:/docker/" ID2 "\n1:name=systemd:/docker/" ID2
				   "\n0::/\n",
				   out, sizeof(out)),
	   1);
	STR(strlen(out), out, ID2);
	EQ(pl_container_id_of_proc("0::/user.slice\n", out, sizeof(out)), 0);
	EQ(pl_container_id_of_proc("garbage without colons\n", out, sizeof(out)), 0);
	EQ(pl_container_id_of_proc("", out, sizeof(out)), 0);
}

int main(void)
{
	run("cgroup: container ids of docker, containerd, CRI-O, podman, kubepods", test_runtimes);
	run("cgroup: no container id in host and conmon paths, nor malformed ids", test_no_container);
	run("cgroup: an id that does not fit the buffer is not written", test_small_buffer);
	run("cgroup: /proc/PID/cgroup lines, v2 and hybrid", test_proc_file);
	return check_summary("test_cgroup");
}
