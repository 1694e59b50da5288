//! The forecast read model's tests, against a real event store and read-model file: the figures
//! by hand (`figures.rs`), the win model (`model.rs`), the simulation (`simulate.rs`), the
//! backtest (`backtest.rs`) and the rendered text (`render.rs`).

mod backtest;
mod figures;
mod model;
mod render;
mod simulate;
mod support;
