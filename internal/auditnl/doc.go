// Package auditnl owns contaudit's conversation with the kernel audit
// subsystem over NETLINK_AUDIT: status get/set, rule add/delete/list,
// features, registration as the audit daemon (unicast) or read-only
// membership of the log multicast group, and the record receive path with
// its kernel quirks (payload-only nlmsg_len on unicast, asynchronous
// replies, ENOBUFS).
//
// Encoding is kept apart from the socket: a Conn speaks to a Transport, and
// package auditnltest provides an in-memory kernel for unit tests.
package auditnl
