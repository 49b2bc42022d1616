/*
 * An LD_PRELOAD shim for the tests: getaddrinfo() of any name under
 * "slow.test" takes PARTOO_SLOWDNS_SECONDS, as an unresponsive name
 * server would, then fails.  Every other name goes to the C library.
 */

#define _GNU_SOURCE

#include <dlfcn.h>
#include <netdb.h>
#include <string.h>
#include <unistd.h>


#define PARTOO_SLOWDNS_SECONDS  8
#define PARTOO_SLOWDNS_SUFFIX   ".slow.test"


typedef int (*partoo_slowdns_getaddrinfo_pt)(const char *node,
    const char *service, const struct addrinfo *hints,
    struct addrinfo **res);


int
getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
    size_t                                n, len;
    unsigned int                          left;
    partoo_slowdns_getaddrinfo_pt         real;

    len = sizeof(PARTOO_SLOWDNS_SUFFIX) - 1;
    n = (node != NULL) ? strlen(node) : 0;

    if (n > len && strcmp(node + n - len, PARTOO_SLOWDNS_SUFFIX) == 0) {

        /* sleep() returns early on a signal: sleep the rest */

        for (left = PARTOO_SLOWDNS_SECONDS; left > 0; left = sleep(left)) {
            /* void */
        }

        return EAI_NONAME;
    }

    real = (partoo_slowdns_getaddrinfo_pt) dlsym(RTLD_NEXT, "getaddrinfo");
    if (real == NULL) {
        return EAI_SYSTEM;
    }

    return real(node, service, hints, res);
}
