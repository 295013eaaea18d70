//! segql's end-to-end tests, in one test binary so that the (large) library
//! is linked once.

mod analyses;
mod cli;
mod cluster;
mod data;
mod diagnostics;
mod differential;
mod docs;
mod embed;
mod examples;
mod export;
mod layouts;
mod lifecycle;
mod members;
mod model;
mod partitions;
mod periods;
mod reference;
mod repl;
mod robustness;
mod roundtrip;
mod scaling;
mod stages;
mod stores;
mod support;
mod time_zone;
