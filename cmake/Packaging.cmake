# Install layout (FHS) and the Debian package (CPack DEB).
#
#   cmake --install build --prefix /usr          # DESTDIR=... for a staging root
#   cd build && cpack -G DEB                     # moderated_<version>_<arch>.deb
#
# With prefix /usr:
#   /usr/bin/moderated
#   /usr/lib/systemd/system/moderated.service, moderated.socket
#   /usr/lib/sysusers.d/moderated.conf
#   /etc/moderated/moderated.yaml                (a conffile in the .deb)
#   /usr/share/moderated/rules/default.yaml      (the ruleset built into the binary)
#   /usr/share/moderated/models/default.ftz      (the model built into the binary)
#   /usr/share/doc/moderated/                    (README and docs/*.md, copyright,
#                                                 changelog.gz)
#   /usr/share/man/man8/moderated.8.gz           (generated from the binary's help)
# The web console is embedded in the binary: nothing to install.
# docs/operations.md describes the layout for operators.

install(FILES systemd/moderated.service systemd/moderated.socket
        DESTINATION lib/systemd/system)
install(FILES systemd/moderated.sysusers.conf
        DESTINATION lib/sysusers.d RENAME moderated.conf)
install(FILES rules/default.yaml DESTINATION share/moderated/rules)
install(FILES "${MODERATED_EMBED_DIR}/classifiers/models/default.ftz"
        DESTINATION share/moderated/models)
file(GLOB MODERATED_DOCS CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/docs/*.md")
install(FILES README.md ${MODERATED_DOCS} DESTINATION share/doc/moderated)
install(FILES systemd/debian/copyright DESTINATION share/doc/moderated)

# The man page moderated(8), written from the help the just-built binary
# prints (cmake/ManPage.cmake), and the changelog, both gzip -9n as Debian
# policy asks (no name or time stamp in the header: reproducible).
set(MODERATED_MAN "${PROJECT_BINARY_DIR}/man/moderated.8")
add_custom_command(
  OUTPUT "${MODERATED_MAN}.gz"
  COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:moderated> -DOUTPUT=${MODERATED_MAN}
          -P "${PROJECT_SOURCE_DIR}/cmake/ManPage.cmake"
  COMMAND gzip -9nf "${MODERATED_MAN}"
  DEPENDS moderated "${PROJECT_SOURCE_DIR}/cmake/ManPage.cmake"
  COMMENT "Writing moderated(8) from the binary's help")
set(MODERATED_CHANGELOG "${PROJECT_BINARY_DIR}/man/changelog.gz")
add_custom_command(
  OUTPUT "${MODERATED_CHANGELOG}"
  COMMAND ${CMAKE_COMMAND} -E make_directory "${PROJECT_BINARY_DIR}/man"
  COMMAND gzip -9nc "${PROJECT_SOURCE_DIR}/systemd/debian/changelog" > "${MODERATED_CHANGELOG}"
  DEPENDS "${PROJECT_SOURCE_DIR}/systemd/debian/changelog")
add_custom_target(moderated_manpage ALL DEPENDS "${MODERATED_MAN}.gz" "${MODERATED_CHANGELOG}")
install(FILES "${MODERATED_MAN}.gz" DESTINATION share/man/man8)
install(FILES "${MODERATED_CHANGELOG}" DESTINATION share/doc/moderated)

# The config file goes to /etc when the prefix is /usr (as GNUInstallDirs
# does), else to <prefix>/etc. Decided at install time, because
# `cmake --install --prefix` and CPack choose the prefix then. file(INSTALL)
# prepends $DESTDIR itself.
install(CODE "
  if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
    set(_moderated_etc \"/etc/moderated\")
  else()
    set(_moderated_etc \"\${CMAKE_INSTALL_PREFIX}/etc/moderated\")
  endif()
  file(INSTALL DESTINATION \"\${_moderated_etc}\" TYPE FILE
       FILES \"${PROJECT_SOURCE_DIR}/systemd/moderated.yaml\")
")

# ---- CPack: the .deb ----
# The project's maintainer address (the one its commits carry); a packager
# who rebuilds the .deb sets their own with -DMODERATED_DEB_MAINTAINER=.
if(MODERATED_DEB_MAINTAINER MATCHES "@localhost>$")  # the old default, in existing build trees
  unset(MODERATED_DEB_MAINTAINER CACHE)
endif()
set(MODERATED_DEB_MAINTAINER
    "moderated maintainers <maintainers@users.noreply.r-seed-a72ff44e.example>"
    CACHE STRING "Maintainer field of the .deb")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME moderated)
set(CPACK_PACKAGE_VENDOR moderated)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "self-hosted comment moderation and spam-filtering daemon")
# The extended description; CPack puts the summary above it and indents it.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "moderated judges each new comment of your site over HTTP: it normalises the
text (homoglyphs, invisible characters, bidi tricks), runs RE2-based rules and
fastText classifiers, decides to accept, hold or reject, and stores every
comment and verdict in SQLite. English, Arabic and Russian.

This package ships a hardened systemd service (Type=notify, watchdog),
optional socket activation, a system user and /etc/moderated/moderated.yaml.")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${MODERATED_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Depends: computed by dpkg-shlibdeps (package dpkg-dev) from the binary.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Not libraries: ExecReload=/bin/kill, which Debian ships in procps, and
# adduser, which postinst uses where systemd-sysusers is missing.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "procps, adduser")
set(CPACK_STRIP_FILES ON)
# Absolute /etc needs DESTDIR staging rather than a relocated prefix.
set(CPACK_SET_DESTDIR ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)  # the prefix CPack installs with when SET_DESTDIR is on
set(CPACK_PACKAGE_DIRECTORY "${PROJECT_BINARY_DIR}/packages")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/systemd/debian/conffiles"
    "${PROJECT_SOURCE_DIR}/systemd/debian/postinst"
    "${PROJECT_SOURCE_DIR}/systemd/debian/prerm"
    "${PROJECT_SOURCE_DIR}/systemd/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
