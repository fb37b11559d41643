# Cross-build for 64-bit Windows with Debian's mingw-w64 (package gcc-mingw-w64-x86-64):
#   cmake -S . -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake
# The programs run on Windows or under Wine (wine64 program.exe).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(HL_MINGW_TRIPLET x86_64-w64-mingw32)

# Debian ships a -win32 and a -posix thread model; the plain name is whichever
# update-alternatives chose, so take it if there, else the -posix one.
find_program(CMAKE_C_COMPILER NAMES ${HL_MINGW_TRIPLET}-gcc ${HL_MINGW_TRIPLET}-gcc-posix ${HL_MINGW_TRIPLET}-gcc-win32 REQUIRED)
find_program(CMAKE_RC_COMPILER NAMES ${HL_MINGW_TRIPLET}-windres)
set(CMAKE_FIND_ROOT_PATH /usr/${HL_MINGW_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Wine runs the tests when CMake needs an emulator (ctest on the .exe files).
find_program(HL_WINE64 NAMES wine64 PATHS /usr/lib/wine NO_DEFAULT_PATH)
if(NOT HL_WINE64)
  find_program(HL_WINE64 NAMES wine64 wine)
endif()
if(HL_WINE64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${HL_WINE64})
endif()
