# Installs the device package limitnet_device (cmake/device_package/CMakeLists.txt) under
# <prefix>/share/limitnet_device: the runtime's and codec core's sources and headers, the
# public C header in include/, and a config file, so that firmware builds it with its own
# cross toolchain through find_package(limitnet_device). Component `device`:
#   cmake --install build --prefix P --component device
set(device_package_dir ${CMAKE_INSTALL_DATADIR}/limitnet_device)
get_target_property(codec_sources limitnet_codec SOURCES)
get_target_property(device_sources limitnet_device LIMITNET_FIRMWARE_SOURCES)
list(TRANSFORM codec_sources PREPEND codec/)
list(TRANSFORM device_sources PREPEND device/)
list(JOIN codec_sources "\n  " codec_list)
list(JOIN device_sources "\n  " device_list)
file(WRITE ${CMAKE_BINARY_DIR}/limitnet_device/sources.cmake
     "# Generated: the firmware sources of the device runtime and codec core, relative to src/.\n"
     "set(LIMITNET_DEVICE_PACKAGE_SOURCES\n  ${codec_list}\n  ${device_list})\n")
write_basic_package_version_file(${CMAKE_BINARY_DIR}/limitnet_device/limitnet_deviceConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES ${PROJECT_SOURCE_DIR}/cmake/device_package/CMakeLists.txt
              ${PROJECT_SOURCE_DIR}/cmake/device_package/limitnet_deviceConfig.cmake
              ${CMAKE_BINARY_DIR}/limitnet_device/sources.cmake
              ${CMAKE_BINARY_DIR}/limitnet_device/limitnet_deviceConfigVersion.cmake
        DESTINATION ${device_package_dir} COMPONENT device)
install(FILES ${PROJECT_SOURCE_DIR}/src/device/limitnet_device.h DESTINATION ${device_package_dir}/include
        COMPONENT device)
foreach(folder codec device)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/src/${folder}/ DESTINATION ${device_package_dir}/src/${folder}
          COMPONENT device FILES_MATCHING PATTERN "*.h" PATTERN "*.cc" PATTERN "host" EXCLUDE PATTERN "dec" EXCLUDE
          PATTERN "inspect.h" EXCLUDE PATTERN "float_reference.*" EXCLUDE)
endforeach()
