# find_package(limitnet_device): builds the device runtime from the sources beside this file
# with the calling project's toolchain (see CMakeLists.txt here for the settings) and gives
# the target limitnet_device::limitnet_device.
if(NOT TARGET limitnet_device::limitnet_device)
  add_subdirectory(${CMAKE_CURRENT_LIST_DIR} ${CMAKE_CURRENT_BINARY_DIR}/limitnet_device)
endif()
# The runtime needs no C++ library: a firmware whose own sources are C links with the C
# driver (arm-none-eabi-g++ would want libstdc++, which bare-metal toolchains often lack).
set(CMAKE_CXX_LINKER_PREFERENCE_PROPAGATES OFF)
