# Writes the man page moderated(8) from the help text the binary prints:
# `moderated --help` for the synopsis and command list, then
# `moderated COMMAND --help` for each command it lists. Run at build time
# (cmake/Packaging.cmake) with the just-built binary, so the page cannot
# drift from the binary.
#
#   cmake -DBINARY=build/daemon/moderated -DOUTPUT=build/man/moderated.8 -P cmake/ManPage.cmake

cmake_policy(VERSION 3.25)  # -P scripts start with old policies (CMP0054: quoted "version")

if(NOT BINARY OR NOT OUTPUT)
  message(FATAL_ERROR "usage: cmake -DBINARY=... -DOUTPUT=... -P ManPage.cmake")
endif()

# The help of `args` (stdout, or stderr for commands that print it there).
function(help_of out)
  execute_process(COMMAND "${BINARY}" ${ARGN} OUTPUT_VARIABLE text ERROR_VARIABLE err
                  RESULT_VARIABLE rc)
  if(text STREQUAL "")
    set(text "${err}")
  endif()
  if(text STREQUAL "")
    message(FATAL_ERROR "${BINARY} ${ARGN} printed no help (exit ${rc})")
  endif()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# Text as roff no-fill lines: backslashes escaped, a leading '.' or '\''
# protected, '-' as a literal minus.
function(roff out text)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REPLACE "-" "\\-" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

help_of(main --help)
execute_process(COMMAND "${BINARY}" version OUTPUT_VARIABLE binary_version
                OUTPUT_STRIP_TRAILING_WHITESPACE)

# The commands: the first word of each indented line under "Commands:".
string(REGEX MATCH "Commands:\n(.*)\n\n" block "${main}")
string(REGEX MATCHALL "\n  [a-z-]+" lines "\n${CMAKE_MATCH_1}")
set(commands "")
foreach(line IN LISTS lines)
  string(STRIP "${line}" word)
  if(NOT word STREQUAL "version")
    list(APPEND commands "${word}")
  endif()
endforeach()
list(REMOVE_DUPLICATES commands)
if(NOT commands)
  message(FATAL_ERROR "no commands found in:\n${main}")
endif()

roff(main_roff "${main}")
set(page ".TH MODERATED 8 \"\" \"${binary_version}\" \"System Administration\"
.SH NAME
moderated \\- self\\-hosted comment moderation and spam\\-filtering daemon
.SH SYNOPSIS
.B moderated
.I COMMAND
.RI [ OPTIONS ]
.SH DESCRIPTION
.B moderated
judges each new comment of a site over HTTP (and the Akismet and spamc
protocols): it normalises the text, runs rules and classifiers, decides to
accept, hold or reject, and stores every comment and verdict. This page is
generated from the help the program prints.
.PP
.nf
${main_roff}.fi
.SH COMMANDS
")
foreach(command IN LISTS commands)
  help_of(text ${command} --help)
  roff(text_roff "${text}")
  string(APPEND page ".SS moderated ${command}\n.nf\n${text_roff}.fi\n")
endforeach()
string(APPEND page ".SH FILES
.TP
.I /etc/moderated/moderated.yaml
the configuration file
.TP
.I /usr/share/moderated/rules/default.yaml
the default rules (also built into the binary)
.TP
.I /var/lib/moderated
the database and keys of the packaged service
.SH SEE ALSO
.BR systemctl (1),
.BR spamc (1),
and the documentation in
.IR /usr/share/doc/moderated/ .
")
file(WRITE "${OUTPUT}" "${page}")
