// Minimal Cortex-M4 start-up: vector table, .data/.bss set-up, static
// constructors, main. No heap: there is no _sbrk, so any use of malloc fails
// to link, which is the point (see scripts/build-cortex-m4).
#include <cstdint>

extern "C" {
extern std::uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern void (*__preinit_array_start[])();
extern void (*__preinit_array_end[])();
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
int image_main();
void reset_handler();
[[noreturn]] void default_handler() {
    for (;;) {
    }
}
// Called by newlib's abort() path and by pure virtual calls; never returns.
[[noreturn]] void _exit(int) {
    for (;;) {
    }
}
void __cxa_pure_virtual() {
    default_handler();
}
// With -fno-exceptions, libstdc++'s std::__throw_* helpers call abort(). The
// firmware's own abort replaces newlib's, which would raise a signal and pull
// in the heap. A real product resets or logs here.
void abort() {
    default_handler();
}
}

namespace {
using handler = void (*)();
}

extern "C" __attribute__((section(".isr_vector"), used)) const handler vector_table[16] = {
    reinterpret_cast<handler>(&_estack),
    reset_handler,
    default_handler,
    default_handler,
    default_handler,
    default_handler,
    default_handler,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    default_handler,
    default_handler,
    nullptr,
    default_handler,
    default_handler,
};

extern "C" void reset_handler() {
    std::uint32_t* src = &_sidata;
    for (std::uint32_t* dst = &_sdata; dst < &_edata;)
        *dst++ = *src++;
    for (std::uint32_t* dst = &_sbss; dst < &_ebss;)
        *dst++ = 0;
    for (auto* f = __preinit_array_start; f != __preinit_array_end; ++f)
        (*f)();
    for (auto* f = __init_array_start; f != __init_array_end; ++f)
        (*f)();
    image_main();
    default_handler();
}
