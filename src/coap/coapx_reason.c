#include "coapx_reason.h"
#include <stddef.h>

#define C(c, d) (((c) << 5) | (d))

const char *coapx_reason_phrase(uint8_t code) {
  switch (code) {
  case C(2, 1): return "Created";
  case C(2, 2): return "Deleted";
  case C(2, 3): return "Valid";
  case C(2, 4): return "Changed";
  case C(2, 5): return "Content";
  case C(2, 31): return "Continue";
  case C(4, 0): return "Bad Request";
  case C(4, 1): return "Unauthorized";
  case C(4, 2): return "Bad Option";
  case C(4, 3): return "Forbidden";
  case C(4, 4): return "Not Found";
  case C(4, 5): return "Method Not Allowed";
  case C(4, 6): return "Not Acceptable";
  case C(4, 8): return "Request Entity Incomplete";
  case C(4, 9): return "Conflict";
  case C(4, 12): return "Precondition Failed";
  case C(4, 13): return "Request Entity Too Large";
  case C(4, 15): return "Unsupported Content-Format";
  case C(4, 22): return "Unprocessable Entity";
  case C(4, 29): return "Too Many Requests";
  case C(5, 0): return "Internal Server Error";
  case C(5, 1): return "Not Implemented";
  case C(5, 2): return "Bad Gateway";
  case C(5, 3): return "Service Unavailable";
  case C(5, 4): return "Gateway Timeout";
  case C(5, 5): return "Proxying Not Supported";
  case C(5, 8): return "Hop Limit Reached";
  default: return NULL;
  }
}
