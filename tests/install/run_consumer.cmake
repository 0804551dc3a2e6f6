# ctest install_consumer: installs this build under WORK/prefix, builds the outside project
# tests/install/consumer against it with find_package(limitnet), and runs it on MODEL.
# Arguments (-D): BUILD_DIR, SOURCE_DIR (the consumer), WORK, MODEL, SIDE, CHANNELS.
function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "${what}: ok")
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK})
run_step("install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK}/prefix)
run_step("configure the consumer" ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK}/build
         -DCMAKE_PREFIX_PATH=${WORK}/prefix -DCMAKE_BUILD_TYPE=Release)
run_step("build the consumer" ${CMAKE_COMMAND} --build ${WORK}/build)
run_step("run the consumer" ${WORK}/build/consumer ${MODEL} ${SIDE} ${CHANNELS})
message(STATUS "${step_output}")
if(NOT step_output MATCHES "^packets [1-9][0-9]* values ([0-9]+) of ([0-9]+)" OR NOT CMAKE_MATCH_1 EQUAL CMAKE_MATCH_2)
  message(FATAL_ERROR "unexpected output (every latent value should arrive): ${step_output}")
endif()
file(REMOVE_RECURSE ${WORK})
