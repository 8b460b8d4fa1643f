/* coapx_addr: the text forms of peer addresses, and the host group that
 * per-host limits count (IPv4 address, IPv4-mapped shown as IPv4, IPv6
 * /64 prefix). */
#include <arpa/inet.h>
#include <string.h>
#include <coap3/coap.h>
#include "coapx_addr.h"
#include "unit.h"

static coap_address_t addr(const char *text, uint16_t port) {
  coap_address_t a;
  coap_address_init(&a);
  if (inet_pton(AF_INET, text, &a.addr.sin.sin_addr) == 1) {
    a.size = sizeof(struct sockaddr_in);
    a.addr.sin.sin_family = AF_INET;
    a.addr.sin.sin_port = htons(port);
  } else if (inet_pton(AF_INET6, text, &a.addr.sin6.sin6_addr) == 1) {
    a.size = sizeof(struct sockaddr_in6);
    a.addr.sin6.sin6_family = AF_INET6;
    a.addr.sin6.sin6_port = htons(port);
  }
  return a;
}

static void check_forms(const char *ip, uint16_t port, const char *peer,
                        const char *group) {
  coap_address_t a = addr(ip, port);
  char buf[COAPX_ADDR_TEXT];
  coapx_addr_format(&a, buf, sizeof buf);
  if (strcmp(buf, peer) != 0)
    fprintf(stderr, "%s: peer text %s, expected %s\n", ip, buf, peer);
  CHECK(strcmp(buf, peer) == 0);
  coapx_addr_format_host_group(&a, buf, sizeof buf);
  if (strcmp(buf, group) != 0)
    fprintf(stderr, "%s: host group %s, expected %s\n", ip, buf, group);
  CHECK(strcmp(buf, group) == 0);
}

int main(void) {
  check_forms("192.0.2.7", 5683, "192.0.2.7:5683", "192.0.2.7");
  check_forms("::ffff:192.0.2.7", 40000, "192.0.2.7:40000", "192.0.2.7");
  check_forms("2001:db8:1:2::5", 6000, "[2001:db8:1:2::5]:6000",
              "2001:db8:1:2::/64");
  check_forms("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 1,
              "[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:1", "2001:db8:1:2::/64");
  check_forms("::1", 7, "[::1]:7", "::/64");

  /* Two ports of one host share a group; two /64s do not. */
  coap_address_t p1 = addr("2001:db8:1:2::1", 1), p2 = addr("2001:db8:1:2::2", 2),
                 p3 = addr("2001:db8:1:3::1", 1);
  char g1[COAPX_ADDR_TEXT], g2[COAPX_ADDR_TEXT], g3[COAPX_ADDR_TEXT];
  coapx_addr_format_host_group(&p1, g1, sizeof g1);
  coapx_addr_format_host_group(&p2, g2, sizeof g2);
  coapx_addr_format_host_group(&p3, g3, sizeof g3);
  CHECK(strcmp(g1, g2) == 0);
  CHECK(strcmp(g1, g3) != 0);

  /* Unknown family, NULL and a tiny buffer: empty or truncated, never
   * past the buffer. */
  coap_address_t none;
  coap_address_init(&none);
  char buf[8] = "xxxxxxx";
  coapx_addr_format_host_group(&none, buf, sizeof buf);
  CHECK_EQ_INT(buf[0], '\0');
  coapx_addr_format_host_group(NULL, buf, sizeof buf);
  CHECK_EQ_INT(buf[0], '\0');
  char tiny[5];
  coapx_addr_format_host_group(&p1, tiny, sizeof tiny);
  CHECK_EQ_INT(strlen(tiny), 4);
  return unit_summary("test_coapx_addr");
}
