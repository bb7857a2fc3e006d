#include "daemon/core/embedded.h"

extern "C" {
extern const char moderated_default_rules_begin[];
extern const char moderated_default_rules_end[];
extern const char moderated_default_model_begin[];
extern const char moderated_default_model_end[];
}

namespace moderated {

std::string_view EmbeddedDefaultRules() {
  return {moderated_default_rules_begin,
          static_cast<size_t>(moderated_default_rules_end - moderated_default_rules_begin)};
}

std::string_view EmbeddedDefaultModel() {
  return {moderated_default_model_begin,
          static_cast<size_t>(moderated_default_model_end - moderated_default_model_begin)};
}

}  // namespace moderated
