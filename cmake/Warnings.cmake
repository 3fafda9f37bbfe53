# Warnings for our own targets only (LibTorch headers are SYSTEM includes, so they stay quiet).
function(slime_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wno-unused-parameter>)
endfunction()
