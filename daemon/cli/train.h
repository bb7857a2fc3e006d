// daemon/cli/train.h
//
// `moderated train`: trains, evaluates and reports a fastText model with the
// project's own pipeline (classifiers/corpus, trainer, evaluation), i.e. on
// exactly the Normalize() + TokenizeForModel() path the daemon predicts on.
//
//   moderated train --preset all --quantize
//       --output classifiers/models/default.ftz
//       --report classifiers/models/default-report.json
//
// Run `moderated train --help` for every flag. Progress lines (one per phase)
// go to stdout only when it is a terminal; the final summary always does.
// Errors go to stderr as one line.
//
// Exit status: 0 success, 1 a data/training/IO failure, 2 a usage error.
// Nothing throws out of RunTrainCommand().
//
// Thread-safety: meant to be called once from main(); uses no globals of its
// own but writes to stdout/stderr.
#ifndef MODERATED_DAEMON_CLI_TRAIN_H_
#define MODERATED_DAEMON_CLI_TRAIN_H_

namespace moderated {

// argv[0] is "train"; argv[1..argc-1] are its flags.
int RunTrainCommand(int argc, char** argv);

}  // namespace moderated

#endif  // MODERATED_DAEMON_CLI_TRAIN_H_
