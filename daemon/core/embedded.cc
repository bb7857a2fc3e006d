#include "daemon/core/embedded.h"

extern "C" {
extern const char moderated_default_rules_begin[];
extern const char moderated_default_rules_end[];
extern const char moderated_default_model_begin[];
extern const char moderated_default_model_end[];
extern const char moderated_default_calibration_begin[];
extern const char moderated_default_calibration_end[];
extern const char moderated_regression_set_begin[];
extern const char moderated_regression_set_end[];
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

std::string_view EmbeddedDefaultCalibration() {
  return {moderated_default_calibration_begin,
          static_cast<size_t>(moderated_default_calibration_end -
                              moderated_default_calibration_begin)};
}

std::string_view EmbeddedRegressionSet() {
  return {moderated_regression_set_begin,
          static_cast<size_t>(moderated_regression_set_end - moderated_regression_set_begin)};
}

}  // namespace moderated
