/* The per-context protocol profile: RFC 8613 or draft-08 (oscore_profile.h). */
#include <stdio.h>
#include <string.h>
#include "oscore_msg.h"
#include "oscore_profile.h"

oscore_err oscore_profile_draft08(uint16_t option_number, bool iv_id_null,
                                  oscore_profile *out) {
  if (!out || (option_number != OSCORE_DRAFT08_OPTION &&
               option_number != OSCORE_OPT_OSCORE))
    return OSCORE_ERR_INVALID_ARG;
  memset(out, 0, sizeof *out);
  out->version = OSCORE_VERSION_DRAFT08;
  out->option_number = option_number;
  out->info_without_id_context = true;
  out->common_iv_id_null = iv_id_null;
  out->observe_outer_only = true;
  out->responses_always_changed = true;
  out->notifications_own_piv = true;
  return OSCORE_OK;
}

uint16_t oscore_profile_option(const oscore_profile *p) {
  return p && p->option_number ? p->option_number : OSCORE_OPT_OSCORE;
}

const char *oscore_profile_name(const oscore_profile *p) {
  return p && p->version == OSCORE_VERSION_DRAFT08 ? "draft-08" : "RFC 8613";
}

void oscore_profile_describe(const oscore_profile *p, char *out, size_t cap) {
  if (!out || cap == 0) return;
  if (p && p->version == OSCORE_VERSION_DRAFT08)
    snprintf(out, cap, "draft-08, option %u, Common IV id %s",
             (unsigned)oscore_profile_option(p),
             p->common_iv_id_null ? "null" : "h''");
  else
    snprintf(out, cap, "RFC 8613, option %u", (unsigned)oscore_profile_option(p));
}

const char *oscore_profile_replay_text(const oscore_profile *p) {
  return p && p->version == OSCORE_VERSION_DRAFT08 ? "Replay protection failed"
                                                   : "Replay detected";
}
