# Warnings for our own targets only (third-party headers are included as SYSTEM).
function(limitnet_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wconversion -Wno-sign-conversion)
endfunction()

# Device-side code must build like firmware: no exceptions, no RTTI.
function(limitnet_freestanding target)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-fno-exceptions -fno-rtti>)
endfunction()

# The one include root: every header is included as "<folder>/<name>.h", relative to src/
# in the tree and to include/limitnet/ once installed (see ARCHITECTURE.md).
function(limitnet_include_root target)
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/src>
                                              $<INSTALL_INTERFACE:include/limitnet>)
endfunction()
