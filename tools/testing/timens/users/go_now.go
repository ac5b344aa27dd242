// SPDX-License-Identifier: GPL-2.0
//
// Prints time.Now() in seconds since the epoch. Built static, without
// cgo: Go reads the clock through the vDSO by itself, where no
// LD_PRELOAD library (libfaketime) can reach it.
package main

import (
	"fmt"
	"time"
)

func main() {
	fmt.Println(time.Now().Unix())
}
