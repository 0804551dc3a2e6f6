# ctest device_capacity_guard: installs the device package (component `device`) of
# BUILD_DIR under WORK, exports MODEL with LIMITNET (the CLI) and builds the outside project
# device_guard three ways (see its CMakeLists.txt): the matching build must build and run,
# a file with other LIMITNET_MAX_* must fail to link, a library at other capacities than
# the model header's must fail to compile. Arguments (-D): BUILD_DIR, LIMITNET, MODEL,
# SOURCE_DIR (device_guard), WORK.
function(run_checked what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

# Configures and builds case `name`; sets build_rc and build_log.
function(build_case name)
  set(dir ${WORK}/${name})
  run_checked("configure ${name}" ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${dir} -DGUARD_CASE=${name}
              -DCMAKE_PREFIX_PATH=${WORK}/prefix -DLIMITNET_MODEL_DIR=${WORK}/model -DCMAKE_BUILD_TYPE=Release)
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${dir} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(build_rc ${rc} PARENT_SCOPE)
  set(build_log "${out}${err}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK})
run_checked("install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK}/prefix --component device)
run_checked("export" ${LIMITNET} model export ${MODEL} --device -o ${WORK}/model)

build_case(match)
if(NOT build_rc EQUAL 0)
  message(FATAL_ERROR "matching capacities must build:\n${build_log}")
endif()
run_checked("run guard" ${WORK}/match/guard)
message(STATUS "match: ${step_output}")

# Case `name` must fail to build, with `error` (a regex) in its log; prints the error line.
function(expect_build_failure name error why)
  build_case(${name})
  if(build_rc EQUAL 0 OR NOT build_log MATCHES "${error}")
    message(FATAL_ERROR "${why}:\n${build_log}")
  endif()
  string(REGEX MATCH "${error}[^\n]*" line "${build_log}")
  message(STATUS "${name}: fails as it should: ${line}")
endfunction()

expect_build_failure(link "undefined reference to `?limitnet_device_open_c[0-9]+_s"
                     "a file with other LIMITNET_MAX_* than the library must fail to link")
expect_build_failure(header "model_data.h: build with LIMITNET_MAX_CHANNELS="
                     "a library at other capacities than model_data.h's must fail to compile")
file(REMOVE_RECURSE ${WORK})
