//! The JSON Schema of each query's answer, for `schemas/queries/`.
