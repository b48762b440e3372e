# Capstone for l0.efi (bt=on): Debian's source of the same Capstone the host library links
# (libcapstone-dev 4.0.2), downloaded once into the turtle cache, checked against the MD5 that
# Debian's capstone_4.0.2-5.dsc lists, and compiled freestanding, x86 only, as the object library
# capstone_efi. Capstone allocates through cs_option(CS_OPT_MEM) hooks that l0/bt.c provides; the
# few libc functions it calls come from l0/libc/.
#
# Capstone is compiled with the compiler's default SSE use (its MCInst.c passes doubles), unlike
# the rest of L0 (-mgeneral-regs-only): L0 saves and restores L1's SSE state around every call into
# it (l0/bt.c).

set(CAPSTONE_EFI_VERSION 4.0.2)
set(CAPSTONE_EFI_URL
    "http://deb.debian.org/debian/pool/main/c/capstone/capstone_${CAPSTONE_EFI_VERSION}.orig.tar.gz")
set(CAPSTONE_EFI_MD5 8894344c966a948f1248e66c91b53e2c)

if(DEFINED ENV{TURTLE_CACHE})
  set(TURTLE_CACHE_DIR $ENV{TURTLE_CACHE})
else()
  set(TURTLE_CACHE_DIR $ENV{HOME}/.cache/turtle)
endif()
set(CAPSTONE_EFI_TARBALL ${TURTLE_CACHE_DIR}/capstone/capstone_${CAPSTONE_EFI_VERSION}.orig.tar.gz)
set(CAPSTONE_EFI_SRC ${TURTLE_CACHE_DIR}/capstone/capstone-${CAPSTONE_EFI_VERSION})

if(NOT EXISTS ${CAPSTONE_EFI_SRC}/cs.c)
  if(NOT EXISTS ${CAPSTONE_EFI_TARBALL})
    message(STATUS "Downloading Capstone ${CAPSTONE_EFI_VERSION} source for l0.efi")
    file(DOWNLOAD ${CAPSTONE_EFI_URL} ${CAPSTONE_EFI_TARBALL}.part
         EXPECTED_HASH MD5=${CAPSTONE_EFI_MD5} STATUS dl_status TLS_VERIFY ON)
    list(GET dl_status 0 dl_code)
    if(NOT dl_code EQUAL 0)
      file(REMOVE ${CAPSTONE_EFI_TARBALL}.part)
      message(FATAL_ERROR "Capstone source download failed (${dl_status}): ${CAPSTONE_EFI_URL}; "
                          "put the file at ${CAPSTONE_EFI_TARBALL} by hand, or configure with "
                          "-DTURTLE_EFI=OFF")
    endif()
    file(RENAME ${CAPSTONE_EFI_TARBALL}.part ${CAPSTONE_EFI_TARBALL})
  endif()
  file(ARCHIVE_EXTRACT INPUT ${CAPSTONE_EFI_TARBALL} DESTINATION ${TURTLE_CACHE_DIR}/capstone)
endif()

set(CAPSTONE_EFI_SOURCES)
foreach(f cs.c MCInst.c MCInstrDesc.c MCRegisterInfo.c SStream.c utils.c
          arch/X86/X86Disassembler.c arch/X86/X86DisassemblerDecoder.c
          arch/X86/X86ATTInstPrinter.c arch/X86/X86IntelInstPrinter.c arch/X86/X86Mapping.c
          arch/X86/X86Module.c)
  list(APPEND CAPSTONE_EFI_SOURCES ${CAPSTONE_EFI_SRC}/${f})
endforeach()

add_library(capstone_efi OBJECT ${CAPSTONE_EFI_SOURCES})
target_include_directories(capstone_efi PRIVATE ${CAPSTONE_EFI_SRC} ${CAPSTONE_EFI_SRC}/include)
# -w: third-party code, not ours to fix; -fno-builtin keeps calls to the libc shim explicit.
target_compile_options(capstone_efi PRIVATE -O2 -w -ffreestanding -fpic -fno-stack-protector
  -mno-red-zone -fno-builtin -fno-tree-loop-distribute-patterns)
target_compile_definitions(capstone_efi PRIVATE CAPSTONE_HAS_X86)
set(CAPSTONE_EFI_INCLUDE ${CAPSTONE_EFI_SRC}/include)
