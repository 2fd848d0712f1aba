# Installation of everything around the programs: udev rules, systemd
# units, default configuration, man pages, the KVP pool directory and the
# names other distributions use. The programs install themselves
# (daemons/*/CMakeLists.txt); each piece here is installed only when the
# program it belongs to is built.
#
#   cmake -B build -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_INSTALL_SYSCONFDIR=/etc \
#         -DCMAKE_INSTALL_LOCALSTATEDIR=/var
#   cmake --build build && cmake --install build
#
# Cache variables: HV_SYSTEMDUNITDIR, HV_UDEVRULESDIR, HV_COMPAT_NAMES.

include_guard(GLOBAL)

# systemd and udev read /usr/lib (or /lib on a split /usr) and /usr/local/lib:
# take the system's own answer for /usr, the matching /usr/local path otherwise.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    pkg_get_variable(_hv_unitdir systemd systemdsystemunitdir)
    pkg_get_variable(_hv_udevdir udev udevdir)
endif()
if(NOT _hv_unitdir)
    set(_hv_unitdir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
endif()
if(_hv_udevdir)
    set(_hv_udevdir "${_hv_udevdir}/rules.d")
else()
    set(_hv_udevdir "${CMAKE_INSTALL_PREFIX}/lib/udev/rules.d")
endif()
set(HV_SYSTEMDUNITDIR "${_hv_unitdir}" CACHE PATH "systemd system unit directory")
set(HV_UDEVRULESDIR "${_hv_udevdir}" CACHE PATH "udev rules directory")
option(HV_COMPAT_NAMES
       "Install the unit and program names Fedora, RHEL and Arch use (hypervkvpd ...)" ON)

set(HV_SBINDIR "${CMAKE_INSTALL_FULL_SBINDIR}")
set(HV_BINDIR "${CMAKE_INSTALL_FULL_BINDIR}")

# The pool files are a de facto ABI at /var/lib/hyperv: cloud-init,
# WALinuxAgent and azure-init look nowhere else.
if(HV_STATEDIR MATCHES "^/var/lib/(.+)$")
    set(HV_UNIT_STATEDIR_LINES "StateDirectory=${CMAKE_MATCH_1}\nStateDirectoryMode=0755")
else()
    message(WARNING "HV_STATEDIR is ${HV_STATEDIR}: cloud-init and the Azure agents "
            "read the KVP pools in /var/lib/hyperv only. Configure with "
            "-DCMAKE_INSTALL_LOCALSTATEDIR=/var (or -DHV_STATEDIR=/var/lib/hyperv).")
    set(HV_UNIT_STATEDIR_LINES "ReadWritePaths=${HV_STATEDIR}")
endif()

set(_hv_gen "${PROJECT_BINARY_DIR}/install")

# hv_install_component(<target> UNIT <name> RULES <file> CONF <name> MANS <pages...>
#                      ALIASES <unit aliases...> LINKS <program aliases...>)
function(hv_install_component target)
    cmake_parse_arguments(C "" "UNIT;RULES;CONF" "MANS;ALIASES;LINKS" ${ARGN})
    if(NOT TARGET ${target})
        return()
    endif()
    if(C_UNIT)
        configure_file(${PROJECT_SOURCE_DIR}/systemd/${C_UNIT}.in
                       ${_hv_gen}/${C_UNIT} @ONLY)
        install(FILES ${_hv_gen}/${C_UNIT} DESTINATION ${HV_SYSTEMDUNITDIR})
    endif()
    if(C_RULES)
        install(FILES ${PROJECT_SOURCE_DIR}/udev/${C_RULES} DESTINATION ${HV_UDEVRULESDIR})
    endif()
    if(C_CONF)
        configure_file(${PROJECT_SOURCE_DIR}/config/${C_CONF}.in ${_hv_gen}/${C_CONF} @ONLY)
        install(FILES ${_hv_gen}/${C_CONF} DESTINATION ${HV_SYSCONFDIR})
    endif()
    foreach(page ${C_MANS})
        string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${page})
        configure_file(${PROJECT_SOURCE_DIR}/man/${page}.in ${_hv_gen}/${page} @ONLY)
        install(FILES ${_hv_gen}/${page}
                DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
    endforeach()
    if(HV_COMPAT_NAMES)
        foreach(alias ${C_ALIASES})
            hv_install_symlink(${C_UNIT} ${HV_SYSTEMDUNITDIR}/${alias})
        endforeach()
        foreach(link ${C_LINKS})
            hv_install_symlink(${target} ${HV_SBINDIR}/${link})
            list(GET C_MANS 0 page)
            hv_install_symlink(${page} ${CMAKE_INSTALL_FULL_MANDIR}/man8/${link}.8)
        endforeach()
    endif()
endfunction()

# A relative symlink, created at install time (under DESTDIR).
function(hv_install_symlink target link)
    install(CODE "
        set(_link \"\$ENV{DESTDIR}${link}\")
        get_filename_component(_dir \"\${_link}\" DIRECTORY)
        file(MAKE_DIRECTORY \"\${_dir}\")
        file(CREATE_LINK \"${target}\" \"\${_link}\" SYMBOLIC)
        message(STATUS \"Installing: \${_link} -> ${target}\")")
endfunction()

hv_install_component(hv_kvp_daemon
    UNIT hv-kvp-daemon.service RULES 70-hv_kvp.rules CONF kvp.conf
    MANS hv_kvp_daemon.8 kvp.conf.5
    ALIASES hypervkvpd.service hv_kvp_daemon.service
    LINKS hypervkvpd)
hv_install_component(hv-kvp MANS hv-kvp.8)
hv_install_component(hv_vss_daemon
    UNIT hv-vss-daemon.service RULES 70-hv_vss.rules CONF vss.conf
    MANS hv_vss_daemon.8 vss.conf.5
    ALIASES hypervvssd.service hv_vss_daemon.service
    LINKS hypervvssd)
hv_install_component(hv_fcopy_daemon
    UNIT hv-fcopy-daemon.service RULES 70-hv_fcopy.rules CONF fcopy.conf
    MANS hv_fcopy_daemon.8 fcopy.conf.5
    ALIASES hypervfcopyd.service hv_fcopy_daemon.service
    LINKS hypervfcopyd hv_fcopy_uio_daemon)

if(TARGET hv_kvp_daemon)
    install(DIRECTORY DESTINATION ${HV_STATEDIR})
endif()

if(HV_BUILD_TESTS)
    add_subdirectory(${PROJECT_SOURCE_DIR}/tests/pkg ${PROJECT_BINARY_DIR}/tests/pkg)
endif()
