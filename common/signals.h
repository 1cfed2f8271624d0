#pragma once

namespace curve {

// Blocks SIGTERM and SIGINT in the calling thread; threads created afterwards inherit the mask,
// so the signals are only ever consumed by WaitForTerminationSignal(). Call first thing in main.
void BlockTerminationSignals();

// Waits until SIGTERM or SIGINT arrives (they must have been blocked) and returns its number.
int WaitForTerminationSignal();

}  // namespace curve
