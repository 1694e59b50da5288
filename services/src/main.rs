//! `ltc`: the lead-to-cash engine's command line. Everything it does lives in
//! `ltc_services::cli`; this file only turns the outcome into an exit code.

use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: a rebuild allocates a string or two per event on each of
/// its threads, and glibc's arenas spent ~10 % of its CPU on them (BENCHMARKS.md, "An allocator
/// for the binaries").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match ltc_services::cli::run(std::env::args_os()) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("ltc: {error:#}");
            ExitCode::from(2)
        }
    }
}
