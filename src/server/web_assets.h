// The live web page served at "/": plain HTML + JS, no external resources, so it works
// offline and under a strict Content-Security-Policy.
#pragma once

namespace limitnet::server {

extern const char kIndexHtml[];

}  // namespace limitnet::server
