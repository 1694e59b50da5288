//! `ltc`: the lead-to-cash engine's command line. Everything it does lives in
//! `ltc_services::cli`; this file only turns the outcome into an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    match ltc_services::cli::run(std::env::args_os()) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("ltc: {error:#}");
            ExitCode::from(2)
        }
    }
}
