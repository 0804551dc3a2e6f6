# Firmware build and test (label `firmware`). When arm-none-eabi-gcc and qemu-system-arm
# are found: builds the host tool fw_assets (models + golden frames + the host build's
# packets), cross-builds firmware/ for Cortex-M7 and Cortex-M33 as external projects,
# and registers a test that runs both QEMU machines (DSP and portable kernels) and checks
# their packets are byte-identical to the host's, camera frames (160x120 RGB565, YUYV)
# included, those also against `limitnet encode --frame`. Without the tools the test is
# registered as skipped (exit code 77), not failed.
add_executable(fw_assets ${PROJECT_SOURCE_DIR}/firmware/tools/fw_assets.cc)
target_link_libraries(fw_assets PRIVATE limitnet_model limitnet_device)
target_include_directories(fw_assets PRIVATE ${PROJECT_SOURCE_DIR}/src)
limitnet_warnings(fw_assets)

set(fw_assets_dir ${CMAKE_BINARY_DIR}/firmware/assets)
# The shipped trained models for cifar32 and fmnist28 (their int8 sections); paper224 has
# no trained model, so it stays a random-weight one of the exact reference architecture.
set(fw_shipped_models --cifar32 ${PROJECT_SOURCE_DIR}/models/cifar32/model.lnm
                      --fmnist28 ${PROJECT_SOURCE_DIR}/models/fmnist28/model.lnm)
# And an architecture that is no preset (96x96 gray), read from its JSON file: the runtime
# interprets what the bundle describes.
set(fw_arch_file ${PROJECT_SOURCE_DIR}/models/arch/gray96.json)
# The other entropy coders on the target (issue 20): copies of the shipped models whose
# config selects the range coder (RGB and gray input) or rANS, named e.g. cifar32-range;
# their packets are also compared with `limitnet encode --network int8`.
set(fw_coders --coder cifar32=range --coder fmnist28=range --coder fmnist28=rans)
# And the kernels' int8-weight path (SXTB16) on the target: copies of cifar32 and fmnist28
# whose Flash bundles keep the weights as int8 (`model export --weights int8`), named
# cifar32-int8w and fmnist28-int8w (the form in which fmnist28's wider encoder fits 64 KiB).
set(fw_int8_weights --int8-weights cifar32 --int8-weights fmnist28)
add_custom_command(OUTPUT ${fw_assets_dir}/fw_assets.c ${fw_assets_dir}/expected.txt
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${fw_assets_dir}/encode
  COMMAND ${CMAKE_COMMAND} -E make_directory ${fw_assets_dir}
  COMMAND fw_assets ${fw_assets_dir} ${fw_shipped_models} --arch ${fw_arch_file} ${fw_coders} ${fw_int8_weights}
  DEPENDS fw_assets ${PROJECT_SOURCE_DIR}/models/cifar32/model.lnm ${PROJECT_SOURCE_DIR}/models/fmnist28/model.lnm
          ${fw_arch_file}
  COMMENT "Generating firmware models, golden frames and host packets")
add_custom_target(fw_assets_gen DEPENDS ${fw_assets_dir}/fw_assets.c)

find_program(LIMITNET_ARM_GCC arm-none-eabi-gcc)
find_program(LIMITNET_QEMU_ARM qemu-system-arm)
set(fw_script ${PROJECT_SOURCE_DIR}/firmware/scripts/run_firmware_test.sh)
if(LIMITNET_ARM_GCC AND LIMITNET_QEMU_ARM)
  include(ExternalProject)
  set(fw_elves "")
  foreach(cpu cortex-m7 cortex-m33)
    ExternalProject_Add(firmware_${cpu}
      SOURCE_DIR ${PROJECT_SOURCE_DIR}/firmware
      BINARY_DIR ${CMAKE_BINARY_DIR}/firmware/${cpu}
      CMAKE_ARGS -DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/firmware/cmake/arm-none-eabi.cmake
                 -DLIMITNET_FW_CPU=${cpu} -DLIMITNET_FW_ASSETS=${fw_assets_dir} -DCMAKE_BUILD_TYPE=Release
      BUILD_ALWAYS ON
      INSTALL_COMMAND ""
      DEPENDS fw_assets_gen)
  endforeach()
  add_custom_target(firmware ALL DEPENDS firmware_cortex-m7 firmware_cortex-m33)
  # The camera frames are also compared with `limitnet encode --frame` (the CLI).
  add_dependencies(firmware limitnet)
  # With limitnet and the assets folder, the --arch model's packets are also compared with
  # `limitnet encode --network int8` of the same frames.
  add_test(NAME firmware_qemu_packets
    COMMAND ${fw_script} ${CMAKE_BINARY_DIR}/firmware ${fw_assets_dir}/expected.txt $<TARGET_FILE:limitnet>
            ${fw_assets_dir})
  set_tests_properties(firmware_qemu_packets PROPERTIES LABELS "firmware" TIMEOUT 300 SKIP_RETURN_CODE 77)
else()
  add_test(NAME firmware_qemu_packets COMMAND ${CMAKE_COMMAND} -E echo "firmware test skipped: arm-none-eabi-gcc or qemu-system-arm not found")
  set_tests_properties(firmware_qemu_packets PROPERTIES LABELS "firmware" SKIP_REGULAR_EXPRESSION "skipped")
endif()

# fw_assets' command line: --help, and bad options are clear errors.
add_test(NAME fw_assets_cli COMMAND ${PROJECT_SOURCE_DIR}/tests/device/fw_assets_cli_test.sh $<TARGET_FILE:fw_assets>
                                    ${CMAKE_BINARY_DIR}/fw-assets-cli-test)
set_tests_properties(fw_assets_cli PROPERTIES LABELS "device")
