package objects

import (
	"image"
	"sort"

	"gocv.io/x/gocv"
)

// nms keeps the best of overlapping boxes, class by class, across crops.
// gocv.NMSBoxes panics on an empty slice and writes into a caller-sized
// indices slice without saying how many it kept: it is called only with
// two boxes or more, and the slice is pre-filled with -1.
func nms(cands []candidate, iou float32) []candidate {
	byClass := map[int][]candidate{}
	for _, c := range cands {
		byClass[c.class] = append(byClass[c.class], c)
	}
	var out []candidate
	for _, group := range byClass {
		if len(group) < 2 {
			out = append(out, group...)
			continue
		}
		rects := make([]image.Rectangle, len(group))
		scores := make([]float32, len(group))
		for i, c := range group {
			rects[i], scores[i] = c.rect, c.score
		}
		indices := make([]int, len(group))
		for i := range indices {
			indices[i] = -1
		}
		gocv.NMSBoxes(rects, scores, 0, iou, indices)
		for _, k := range indices {
			if k < 0 || k >= len(group) {
				break
			}
			out = append(out, group[k])
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].score > out[j].score })
	return out
}
