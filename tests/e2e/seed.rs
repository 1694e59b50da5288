//! Seeds for randomised tests: taken from `LTC_TEST_SEED` when set, otherwise fresh, and always
//! printed, so any failing run can be repeated exactly.

pub fn test_seed(test: &str) -> u64 {
    let seed = match std::env::var("LTC_TEST_SEED") {
        Ok(text) => text.parse().unwrap_or_else(|_| panic!("LTC_TEST_SEED={text:?} is not a u64")),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos() as u64),
    };
    eprintln!("{test}: seed {seed} (repeat with LTC_TEST_SEED={seed})");
    seed
}
