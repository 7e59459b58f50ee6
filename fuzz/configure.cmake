# Initial cache for the fuzz build: cmake -S . -B build-fuzz -G Ninja -C fuzz/configure.cmake
# clang with libFuzzer's coverage instrumentation on every library (so the search sees inside the parsers),
# AddressSanitizer and UndefinedBehaviorSanitizer (a report aborts, so libFuzzer keeps the input).
# Warnings are not errors here: -Werror is the gcc build's job, and clang warns about other things.
set(CMAKE_C_COMPILER clang CACHE STRING "")
set(CMAKE_CXX_COMPILER clang++ CACHE STRING "")
set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "")
set(CMAKE_CXX_FLAGS
  "-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
  CACHE STRING "")
set(CMAKE_EXE_LINKER_FLAGS "-fsanitize=address,undefined" CACHE STRING "")
set(CYCLERD_BUILD_FUZZ ON CACHE BOOL "")
set(CYCLERD_BUILD_TESTS OFF CACHE BOOL "")
set(CYCLERD_BUILD_BENCH OFF CACHE BOOL "")
set(CYCLERD_WERROR OFF CACHE BOOL "")
