# CMake helpers for edgecompile's C backend.
#
#   include(path/to/firmware_examples/cmake/edgecompile.cmake)
#
#   # 1. a library from an artifact folder you already built (model.c / model.h):
#   edgecompile_model_library(kws ARTIFACT ${CMAKE_SOURCE_DIR}/models/cortex-m4-int8)
#
#   # 2. or let the build run `edgecompile build` from a model file (re-runs when the model changes):
#   edgecompile_add_model(kws MODEL ${CMAKE_SOURCE_DIR}/kws.tflite TARGET cortex-m4 PRECISION int8
#                         CALIB random [PREFIX kws])
#
#   target_link_libraries(app PRIVATE kws)   # then #include "model.h"
find_program(EDGECOMPILE_EXECUTABLE edgecompile)

function(edgecompile_model_library name)
  cmake_parse_arguments(EC "" "ARTIFACT" "" ${ARGN})
  add_library(${name} STATIC ${EC_ARTIFACT}/model.c)
  target_include_directories(${name} PUBLIC ${EC_ARTIFACT})
  set_target_properties(${name} PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
  if(NOT CMAKE_C_COMPILER_ID STREQUAL "MSVC")
    target_compile_options(${name} PRIVATE -Wall -Wextra -pedantic)
  endif()
  target_link_libraries(${name} PUBLIC $<$<NOT:$<C_COMPILER_ID:MSVC>>:m>)
endfunction()

function(edgecompile_add_model name)
  cmake_parse_arguments(EC "" "MODEL;TARGET;PRECISION;CALIB;PREFIX" "" ${ARGN})
  if(NOT EDGECOMPILE_EXECUTABLE)
    message(FATAL_ERROR "edgecompile_add_model: the 'edgecompile' command is not on PATH (pip install edgecompile)")
  endif()
  if(NOT EC_TARGET)
    set(EC_TARGET c)
  endif()
  if(NOT EC_PRECISION)
    set(EC_PRECISION int8)
  endif()
  if(NOT EC_CALIB)
    set(EC_CALIB random)
  endif()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${name}-edgecompile)
  set(artifact ${out}/${EC_TARGET}-${EC_PRECISION})
  set(extra)
  if(EC_PREFIX)
    list(APPEND extra --c-prefix ${EC_PREFIX})
  endif()
  add_custom_command(
    OUTPUT ${artifact}/model.c ${artifact}/model.h
    COMMAND ${EDGECOMPILE_EXECUTABLE} build ${EC_MODEL} -t ${EC_TARGET} -p ${EC_PRECISION} --calib ${EC_CALIB}
            --out ${out} --force ${extra}
    DEPENDS ${EC_MODEL}
    COMMENT "edgecompile: ${EC_MODEL} -> ${EC_TARGET} ${EC_PRECISION}"
    VERBATIM)
  file(MAKE_DIRECTORY ${artifact})
  edgecompile_model_library(${name} ARTIFACT ${artifact})
endfunction()
