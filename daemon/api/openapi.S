/* docs/openapi.yaml, embedded verbatim (GET /openapi.json, daemon/api/openapi.cc).
   The path is relative to the repository root, which CMake passes as an
   include directory. */
    .section .rodata
    .balign 16
    .global moderated_openapi_begin
    .global moderated_openapi_end
moderated_openapi_begin:
    .incbin "docs/openapi.yaml"
moderated_openapi_end:
    .byte 0
    .section .note.GNU-stack,"",@progbits
