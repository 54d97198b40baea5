# FindRDKit: locate RDKit's C++ headers and libraries.
#
# Debian (librdkit-dev) installs RDKit without a CMake package config: headers
# in /usr/include/rdkit and libraries named libRDKit<Component>.so in /usr/lib.
# This module finds them and defines one imported target per component,
# RDKit::<Component>, plus RDKit::RDKit linking all requested components.
#
#   find_package(RDKit REQUIRED COMPONENTS GraphMol SmilesParse Fingerprints)
#
# Hints: RDKIT_ROOT (or RDBASE) pointing at an install prefix.

set(_rdkit_hints ${RDKIT_ROOT} $ENV{RDKIT_ROOT} $ENV{RDBASE} $ENV{CONDA_PREFIX})

find_path(RDKit_INCLUDE_DIR
  NAMES GraphMol/RDKitBase.h
  HINTS ${_rdkit_hints}
  PATH_SUFFIXES include/rdkit rdkit Code)

if(NOT RDKit_FIND_COMPONENTS)
  set(RDKit_FIND_COMPONENTS RDGeneral GraphMol SmilesParse)
endif()

set(RDKit_LIBRARIES)
set(_rdkit_missing)
foreach(_component IN LISTS RDKit_FIND_COMPONENTS)
  find_library(RDKit_${_component}_LIBRARY
    NAMES RDKit${_component}
    HINTS ${_rdkit_hints}
    PATH_SUFFIXES lib lib64)
  if(RDKit_${_component}_LIBRARY)
    set(RDKit_${_component}_FOUND TRUE)
    list(APPEND RDKit_LIBRARIES ${RDKit_${_component}_LIBRARY})
    if(NOT TARGET RDKit::${_component})
      add_library(RDKit::${_component} UNKNOWN IMPORTED)
      set_target_properties(RDKit::${_component} PROPERTIES
        IMPORTED_LOCATION "${RDKit_${_component}_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${RDKit_INCLUDE_DIR}")
    endif()
  else()
    list(APPEND _rdkit_missing ${_component})
  endif()
endforeach()

# Debian's versions.h is an unconfigured template, so take the version from the
# library's real file name (libRDKitRDGeneral.so.1.2022.09.3).
if(RDKit_RDGeneral_LIBRARY)
  get_filename_component(_rdkit_real "${RDKit_RDGeneral_LIBRARY}" REALPATH)
  string(REGEX MATCH "[0-9][0-9][0-9][0-9]\\.[0-9]+\\.[0-9]+$" RDKit_VERSION "${_rdkit_real}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(RDKit
  REQUIRED_VARS RDKit_INCLUDE_DIR RDKit_LIBRARIES
  VERSION_VAR RDKit_VERSION
  HANDLE_COMPONENTS
  REASON_FAILURE_MESSAGE "install librdkit-dev (Debian) or set RDKIT_ROOT")

if(RDKit_FOUND AND NOT TARGET RDKit::RDKit)
  add_library(RDKit::RDKit INTERFACE IMPORTED)
  foreach(_component IN LISTS RDKit_FIND_COMPONENTS)
    set_property(TARGET RDKit::RDKit APPEND PROPERTY INTERFACE_LINK_LIBRARIES RDKit::${_component})
  endforeach()
  set_property(TARGET RDKit::RDKit APPEND PROPERTY INTERFACE_INCLUDE_DIRECTORIES "${RDKit_INCLUDE_DIR}")
endif()
mark_as_advanced(RDKit_INCLUDE_DIR)
