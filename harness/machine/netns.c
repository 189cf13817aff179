/* netns.c - zcbench's network namespace (zcbench.h): made once per process, entered only
 * while sockets are made in it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zcbench.h"

static int netns_fd = -1, host_fd = -1;

/* Makes the namespace (its lo up, with the MTU) and goes back to the machine's. */
static int make(char *why, size_t len)
{
	int host = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (host < 0) {
		snprintf(why, len, "/proc/self/ns/net: %s (no network namespaces here)", strerror(errno));
		return ZC_SKIP;
	}
	if (unshare(CLONE_NEWNET) != 0) {
		int e = errno;
		close(host);
		snprintf(why, len, "unshare(CLONE_NEWNET): %s (a network namespace of its own needs root)", strerror(e));
		return ZC_SKIP;
	}
	int ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	int ok = ns >= 0 && s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
	ifr.ifr_flags |= IFF_UP;
	ok = ok && ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
	ifr.ifr_mtu = ZC_NETNS_MTU;
	ok = ok && ioctl(s, SIOCSIFMTU, &ifr) == 0;
	int e = errno;
	if (s >= 0)
		close(s);
	/* Back to the machine's namespace; the new one lives while its descriptor does. */
	if (setns(host, CLONE_NEWNET) != 0 || !ok) {
		snprintf(why, len, "setting up lo in the network namespace: %s", strerror(ok ? errno : e));
		if (ns >= 0)
			close(ns);
		close(host);
		return ZC_ERROR;
	}
	netns_fd = ns;
	host_fd = host;
	return ZC_OK;
}

int zc_netns_ready(char *why, size_t len)
{
	return netns_fd >= 0 ? ZC_OK : make(why, len);
}

int zc_netns_enter(char *why, size_t len)
{
	int rc = zc_netns_ready(why, len);
	if (rc != ZC_OK)
		return rc;
	if (setns(netns_fd, CLONE_NEWNET) != 0) {
		snprintf(why, len, "setns into zcbench's network namespace: %s", strerror(errno));
		return ZC_ERROR;
	}
	return ZC_OK;
}

int zc_netns_leave(char *why, size_t len)
{
	if (host_fd >= 0 && setns(host_fd, CLONE_NEWNET) != 0) {
		snprintf(why, len, "setns back to the machine's network namespace: %s", strerror(errno));
		return ZC_ERROR;
	}
	return ZC_OK;
}
