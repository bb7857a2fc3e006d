// daemon/core/embedded.h
//
// The defaults compiled into the binary, so that `moderated serve` works with
// no files besides itself: the default ruleset (rules/default.yaml), the
// default fastText model (classifiers/models/default.ftz) with its
// calibration (default.calibration.json), and the regression set a new base
// model must hold on (regression.jsonl, training/regression.h). See
// embedded.S.
#ifndef MODERATED_DAEMON_CORE_EMBEDDED_H_
#define MODERATED_DAEMON_CORE_EMBEDDED_H_

#include <string_view>

namespace moderated {

std::string_view EmbeddedDefaultRules();
std::string_view EmbeddedDefaultModel();
std::string_view EmbeddedDefaultCalibration();
std::string_view EmbeddedRegressionSet();

}  // namespace moderated

#endif  // MODERATED_DAEMON_CORE_EMBEDDED_H_
