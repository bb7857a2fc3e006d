/* The default ruleset, model, its calibration and the regression set, embedded verbatim with .incbin (faster to
   build than a multi-megabyte C array). Paths are relative to the repository
   root, which CMake passes as an include directory. */
    .section .rodata
    .balign 16
    .global moderated_default_rules_begin
    .global moderated_default_rules_end
moderated_default_rules_begin:
    .incbin "rules/default.yaml"
moderated_default_rules_end:
    .byte 0
    .balign 16
    .global moderated_default_model_begin
    .global moderated_default_model_end
moderated_default_model_begin:
    .incbin "classifiers/models/default.ftz"
moderated_default_model_end:
    .byte 0
    .balign 16
    .global moderated_default_calibration_begin
    .global moderated_default_calibration_end
moderated_default_calibration_begin:
    .incbin "classifiers/models/default.calibration.json"
moderated_default_calibration_end:
    .byte 0
    .balign 16
    .global moderated_regression_set_begin
    .global moderated_regression_set_end
moderated_regression_set_begin:
    .incbin "classifiers/models/regression.jsonl"
moderated_regression_set_end:
    .byte 0
    .section .note.GNU-stack,"",@progbits
