pub mod paths;
pub mod sequence;
