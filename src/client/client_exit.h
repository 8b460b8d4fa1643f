/* Exit statuses of oscore-client. The same table is in --help and in the
 * man page; scripts depend on it, so the numbers never change meaning.
 *
 *   0  the response was 2.xx. An observation ends with the status of its
 *      last notification (a final 4.04 gives 4), or 0 when Ctrl-C ended it
 *   1  local failure: the output could not be written, out of memory, an
 *      internal error
 *   2  usage error: unknown option, bad option value, bad URI, unreadable
 *      --payload file
 *   3  configuration error: the credentials map or a security context
 *      cannot be used (missing, malformed, locked by another process,
 *      sequence numbers not persistable)
 *   4  the server answered 4.xx (client error)
 *   5  the server answered 5.xx (server error)
 *   6  network failure: host name not resolvable, destination unreachable,
 *      no response within --timeout (observing with an explicit
 *      --timeout: no notification within it), reset by the peer
 *   7  security failure: the OSCORE response did not verify, or the
 *      server's OSCORE layer refused the request with an unprotected error
 *      (e.g. 4.01 "Security context not found", "Replay detected")
 *   8  protocol failure: the server broke CoAP rules (block-wise numbering
 *      or sizes, the resource's ETag changed during a block-wise transfer,
 *      a response code outside 2.xx/4.xx/5.xx)
 * 130  interrupted by SIGINT before a response arrived (not observing)
 */
#ifndef CLIENT_EXIT_H
#define CLIENT_EXIT_H

enum {
  CLIENT_EXIT_OK = 0,
  CLIENT_EXIT_FAILURE = 1,
  CLIENT_EXIT_USAGE = 2,
  CLIENT_EXIT_CONFIG = 3,
  CLIENT_EXIT_4XX = 4,
  CLIENT_EXIT_5XX = 5,
  CLIENT_EXIT_NETWORK = 6,
  CLIENT_EXIT_SECURITY = 7,
  CLIENT_EXIT_PROTOCOL = 8,
  CLIENT_EXIT_INTERRUPTED = 130,
};

#endif
