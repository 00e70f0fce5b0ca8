mod submit;
mod sweep;
