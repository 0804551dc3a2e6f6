# Installation: `cmake --install build --prefix P` puts the public libraries, their headers
# and a CMake package under P, so another project can use the codec with
#   find_package(limitnet CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE limitnet::codec_host)   # or limitnet::device
# The public, stable contract is the device's C header (device/limitnet_device.h) and the
# formats of docs/FORMAT.md; the C++ headers installed beside it are the host codec API,
# versioned with the package (ARCHITECTURE.md says what is internal). The `limitnet`
# program(s) go to bin/ (apps/limitnet/CMakeLists.txt) and the shipped models to
# share/limitnet/models, where `limitnet demo` looks for them beside its binary.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(LIMITNET_PUBLIC_LIBRARIES limitnet_codec limitnet_codec_host limitnet_device)
set_target_properties(limitnet_codec PROPERTIES EXPORT_NAME codec)
set_target_properties(limitnet_codec_host PROPERTIES EXPORT_NAME codec_host)
set_target_properties(limitnet_device PROPERTIES EXPORT_NAME device)
install(TARGETS ${LIMITNET_PUBLIC_LIBRARIES} EXPORT limitnetTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
# Headers keep the include root of the tree: #include "codec/config.h" with -I include/limitnet.
foreach(folder codec device)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/src/${folder}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/limitnet/${folder}
          FILES_MATCHING PATTERN "*.h" PATTERN "inspect.h" EXCLUDE)  # inspect: the CLI's, not installed
endforeach()
install(EXPORT limitnetTargets NAMESPACE limitnet:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/limitnet)
file(WRITE ${CMAKE_BINARY_DIR}/limitnetConfig.cmake.in
     "@PACKAGE_INIT@\ninclude(\"\${CMAKE_CURRENT_LIST_DIR}/limitnetTargets.cmake\")\ncheck_required_components(limitnet)\n")
configure_package_config_file(${CMAKE_BINARY_DIR}/limitnetConfig.cmake.in ${CMAKE_BINARY_DIR}/limitnetConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/limitnet)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/limitnetConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/limitnetConfig.cmake ${CMAKE_BINARY_DIR}/limitnetConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/limitnet)
# Firmware: the device runtime as sources, built by the firmware's own toolchain.
include(${CMAKE_CURRENT_LIST_DIR}/device_package.cmake)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/models/ DESTINATION ${CMAKE_INSTALL_DATADIR}/limitnet/models
        FILES_MATCHING PATTERN "*.lnm" PATTERN "MODEL.md" PATTERN "report" EXCLUDE)
