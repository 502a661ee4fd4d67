package sdk

import (
	"fmt"
	"math"
	"strconv"
)

// rgb parses "#rrggbb" (normalColour's form) into 0–255 channels.
func rgb(hex string) [3]float64 {
	var c [3]float64
	for i := range c {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8) // normalColour checked it
		c[i] = float64(v)
	}
	return c
}

// luminance is the relative luminance of a "#rrggbb" colour as WCAG 2.x
// defines it (sRGB channels linearised, weighted 0.2126, 0.7152, 0.0722).
func luminance(hex string) float64 {
	c := rgb(hex)
	var l [3]float64
	for i, v := range c {
		v /= 255
		if v <= 0.04045 {
			l[i] = v / 12.92
		} else {
			l[i] = math.Pow((v+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
}

// contrastRatio is the WCAG 2.x contrast ratio of two "#rrggbb" colours,
// from 1 to 21.
func contrastRatio(a, b string) float64 {
	x, y := luminance(a), luminance(b)
	if x < y {
		x, y = y, x
	}
	return (x + 0.05) / (y + 0.05)
}

// mix returns fg weighted t (0–1) over bg, per sRGB channel, as "#rrggbb".
func mix(fg, bg string, t float64) string {
	f, b := rgb(fg), rgb(bg)
	var out [3]int
	for i := range out {
		out[i] = int(math.Round(b[i] + (f[i]-b[i])*t))
	}
	return fmt.Sprintf("#%02x%02x%02x", out[0], out[1], out[2])
}

// mixUntil returns the mix of fg into bg from weight t upwards, in steps
// of 5%, whose contrast with bg first reaches min; fg itself when none
// does before it.
func mixUntil(fg, bg string, min, t float64) string {
	for ; t < 1; t += 0.05 {
		if c := mix(fg, bg, t); contrastRatio(c, bg) >= min {
			return c
		}
	}
	return fg
}
