/**
 * Maximum-weight matching in a general graph: Edmonds' primal-dual blossom algorithm in the
 * O(n³) form of Galil ("Efficient algorithms for finding maximum matching in graphs", ACM
 * Computing Surveys 18(1), 1986), with ideas from Gabow's thesis (1973).
 *
 * The structure follows networkx's `max_weight_matching` (networkx/algorithms/matching.py),
 * Joris van Rantwijk's implementation as contributed to networkx: the same stages, labels,
 * least-slack edges per blossom and dual updates, with blossoms numbered n..2n−1 and edges
 * referred to by endpoint (2k, 2k+1). What differs is the storage: typed arrays, an adjacency
 * list built once, and scratch buffers reused across steps instead of lists made per step.
 *
 *   Copyright (C) 2004-2024, NetworkX Developers
 *   Aric Hagberg <hagberg@lanl.gov>, Dan Schult <dschult@colgate.edu>,
 *   Pieter Swart <swart@lanl.gov>; Copyright (C) 2008 Joris van Rantwijk.
 *   All rights reserved.
 *
 *   Redistribution and use in source and binary forms, with or without modification, are
 *   permitted provided that the following conditions are met:
 *   * Redistributions of source code must retain the above copyright notice, this list of
 *     conditions and the following disclaimer.
 *   * Redistributions in binary form must reproduce the above copyright notice, this list of
 *     conditions and the following disclaimer in the documentation and/or other materials
 *     provided with the distribution.
 *   * Neither the name of the NetworkX Developers nor the names of its contributors may be used
 *     to endorse or promote products derived from this software without specific prior written
 *     permission.
 *
 *   THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY EXPRESS
 *   OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF
 *   MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE
 *   COPYRIGHT OWNER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL,
 *   EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE
 *   GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED
 *   AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING
 *   NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED
 *   OF THE POSSIBILITY OF SUCH DAMAGE.
 *
 * Numbers: vertex duals are kept doubled (as in networkx), so with integer weights every dual,
 * slack and delta is an integer (the slack between two S-vertices is even, and halving is exact
 * in floating point); the result is then exact while the weights stay below 2⁵⁰ in magnitude.
 * Weights that are not integers work too, but rounding can make the matching slightly
 * suboptimal, as in networkx.
 *
 * Over 400 lines on purpose: one algorithm whose stages share all their state; split, its
 * invariants would have to be read across files.
 *
 * Typed-array reads are cast (`as number`): the indices are in range by construction, and the
 * compiler's `noUncheckedIndexedAccess` cannot see that.
 */

/**
 * A maximum-weight matching of the graph given by `edges` (`[i, j, weight]`, vertices 0..n−1
 * where n is one more than the largest vertex in an edge, no self-loops). With `maxCardinality`,
 * the maximum-weight matching among those of maximum cardinality. Returns `mate`: `mate[v]` is
 * the vertex matched to v, −1 when v is unmatched.
 */
export const maxWeightMatching = (
  edges: ReadonlyArray<readonly [number, number, number]>,
  maxCardinality: boolean,
): Int32Array => {
  const edgeCount = edges.length
  let n = 0
  let maxWeight = 0
  for (const [i, j, w] of edges) {
    if (!Number.isInteger(i) || !Number.isInteger(j) || i < 0 || j < 0 || i === j) {
      throw new RangeError(`maxWeightMatching: invalid edge (${i}, ${j})`)
    }
    if (!Number.isFinite(w)) throw new RangeError(`maxWeightMatching: invalid weight ${w}`)
    if (i >= n) n = i + 1
    if (j >= n) n = j + 1
    if (w > maxWeight) maxWeight = w
  }
  if (n === 0) return new Int32Array(0)

  // Edge k joins endpoint[2k] and endpoint[2k + 1]; an endpoint p's edge is p >> 1 and its
  // other end is p ^ 1.
  const endpoint = new Int32Array(2 * edgeCount)
  const weight = new Float64Array(edgeCount)
  // neighbourEnds[neighbourStart[v] .. neighbourStart[v + 1]): the remote endpoints of v's edges.
  const neighbourStart = new Int32Array(n + 1)
  const neighbourEnds = new Int32Array(2 * edgeCount)
  for (let k = 0; k < edgeCount; k++) {
    const [i, j, w] = edges[k] as readonly [number, number, number]
    endpoint[2 * k] = i
    endpoint[2 * k + 1] = j
    weight[k] = w
    neighbourStart[i + 1] = (neighbourStart[i + 1] as number) + 1
    neighbourStart[j + 1] = (neighbourStart[j + 1] as number) + 1
  }
  for (let v = 0; v < n; v++) {
    neighbourStart[v + 1] = (neighbourStart[v + 1] as number) + (neighbourStart[v] as number)
  }
  {
    const fill = neighbourStart.slice(0, n)
    for (let k = 0; k < edgeCount; k++) {
      const i = endpoint[2 * k] as number
      const j = endpoint[2 * k + 1] as number
      neighbourEnds[fill[i] as number] = 2 * k + 1
      fill[i] = (fill[i] as number) + 1
      neighbourEnds[fill[j] as number] = 2 * k
      fill[j] = (fill[j] as number) + 1
    }
  }

  // mate[v]: the remote endpoint of v's matched edge, −1 when single.
  const mate = new Int32Array(n).fill(-1)
  // label[b] of a top-level blossom or vertex: 0 free, 1 S, 2 T (−1: blossom number unused). A
  // vertex's own label is set when its top-level blossom gets one (see the scan for why).
  const label = new Int32Array(2 * n)
  // labelEnd[b]: the remote endpoint of the edge through which b got its label (−1: single S).
  const labelEnd = new Int32Array(2 * n).fill(-1)
  // inBlossom[v]: the top-level blossom containing vertex v.
  const inBlossom = new Int32Array(n)
  for (let v = 0; v < n; v++) inBlossom[v] = v
  const blossomParent = new Int32Array(2 * n).fill(-1)
  // A blossom's sub-blossoms in cyclic order from its base, and blossomEnds[b][i] the endpoint
  // of the edge joining child i to child i + 1.
  const blossomChildren: Array<Array<number>> = Array.from({ length: 2 * n }, () => [])
  const blossomEnds: Array<Array<number>> = Array.from({ length: 2 * n }, () => [])
  const blossomBase = new Int32Array(2 * n).fill(-1)
  for (let v = 0; v < n; v++) blossomBase[v] = v
  // bestEdge[b]: the least-slack edge from b to a different S-blossom (−1: none); for a free
  // vertex, to any S-vertex.
  const bestEdge = new Int32Array(2 * n).fill(-1)
  // For a top-level S-blossom, its least-slack edge to each other S-blossom (null: not known).
  const blossomBestEdges: Array<Int32Array | null> = new Array(2 * n).fill(null)
  const unusedBlossoms = new Int32Array(n)
  for (let b = 0; b < n; b++) unusedBlossoms[b] = n + b
  let unusedCount = n
  // Vertex duals are doubled (2·u(v)); blossom duals are z(b).
  const dual = new Float64Array(2 * n)
  dual.fill(maxWeight, 0, n)
  // An edge known to be tight (zero slack) in this stage.
  const allowEdge = new Uint8Array(edgeCount)
  // S-vertices to scan, taken last in first out.
  const queue: Array<number> = []

  // Scratch buffers, each used by one step at a time.
  const leaves = new Int32Array(n)
  const leafStack = new Int32Array(2 * n)
  const scanPath = new Int32Array(2 * n)
  const bestEdgeTo = new Int32Array(2 * n).fill(-1)
  const bestEdgeTargets = new Int32Array(2 * n)

  const slack = (k: number): number =>
    (dual[endpoint[2 * k] as number] as number) +
    (dual[endpoint[2 * k + 1] as number] as number) -
    2 * (weight[k] as number)

  /** Fills `leaves` with the vertices of blossom b (depth first, children in order); their count. */
  const collectLeaves = (b: number): number => {
    if (b < n) {
      leaves[0] = b
      return 1
    }
    let count = 0
    let top = 0
    leafStack[top++] = b
    while (top > 0) {
      const t = leafStack[--top] as number
      if (t < n) {
        leaves[count++] = t
      } else {
        const children = blossomChildren[t] as Array<number>
        for (let i = children.length - 1; i >= 0; i--) leafStack[top++] = children[i] as number
      }
    }
    return count
  }

  /** Labels w's top-level blossom t (1 S, 2 T) through endpoint p; a T-blossom's mate turns S. */
  const assignLabel = (w: number, t: number, p: number): void => {
    const b = inBlossom[w] as number
    label[w] = t
    label[b] = t
    labelEnd[w] = p
    labelEnd[b] = p
    bestEdge[w] = -1
    bestEdge[b] = -1
    if (t === 1) {
      const count = collectLeaves(b)
      for (let i = 0; i < count; i++) queue.push(leaves[i] as number)
    } else {
      const baseMate = mate[blossomBase[b] as number] as number
      assignLabel(endpoint[baseMate] as number, 1, baseMate ^ 1)
    }
  }

  /**
   * Traces back from S-vertices v and w, which a tight edge joins: the base of the new blossom
   * when the paths meet, −1 when they reach two single vertices (an augmenting path).
   */
  const scanBlossom = (vStart: number, wStart: number): number => {
    let v = vStart
    let w = wStart
    let pathLength = 0
    let base = -1
    while (v !== -1 || w !== -1) {
      let b = inBlossom[v] as number
      if ((label[b] as number) & 4) {
        base = blossomBase[b] as number
        break
      }
      scanPath[pathLength++] = b
      label[b] = 5 // a breadcrumb: S, visited
      if (labelEnd[b] === -1) {
        v = -1
      } else {
        v = endpoint[labelEnd[b] as number] as number
        b = inBlossom[v] as number
        v = endpoint[labelEnd[b] as number] as number
      }
      if (w !== -1) {
        const swap = v
        v = w
        w = swap
      }
    }
    for (let i = 0; i < pathLength; i++) label[scanPath[i] as number] = 1
    return base
  }

  /** Makes a new S-blossom with the given base, closed by edge k between two S-vertices. */
  const addBlossom = (base: number, k: number): void => {
    let v = endpoint[2 * k] as number
    let w = endpoint[2 * k + 1] as number
    const bb = inBlossom[base] as number
    let bv = inBlossom[v] as number
    let bw = inBlossom[w] as number
    unusedCount--
    const b = unusedBlossoms[unusedCount] as number
    blossomBase[b] = base
    blossomParent[b] = -1
    blossomParent[bb] = b
    const children: Array<number> = []
    const ends: Array<number> = []
    while (bv !== bb) {
      blossomParent[bv] = b
      children.push(bv)
      ends.push(labelEnd[bv] as number)
      v = endpoint[labelEnd[bv] as number] as number
      bv = inBlossom[v] as number
    }
    children.push(bb)
    children.reverse()
    ends.reverse()
    ends.push(2 * k)
    while (bw !== bb) {
      blossomParent[bw] = b
      children.push(bw)
      ends.push((labelEnd[bw] as number) ^ 1)
      w = endpoint[labelEnd[bw] as number] as number
      bw = inBlossom[w] as number
    }
    blossomChildren[b] = children
    blossomEnds[b] = ends
    label[b] = 1
    labelEnd[b] = labelEnd[bb] as number
    dual[b] = 0
    const count = collectLeaves(b)
    for (let i = 0; i < count; i++) {
      const leaf = leaves[i] as number
      // A T-vertex becomes S inside an S-blossom: it must be scanned.
      if (label[inBlossom[leaf] as number] === 2) queue.push(leaf)
      inBlossom[leaf] = b
    }
    // The least-slack edge from the new blossom to each other S-blossom, from the children's
    // lists (or, for a child without one, its vertices' edges).
    let targets = 0
    const consider = (edge: number) => {
      let j = endpoint[2 * edge + 1] as number
      if (inBlossom[j] === b) j = endpoint[2 * edge] as number
      const bj = inBlossom[j] as number
      if (bj !== b && label[bj] === 1) {
        const known = bestEdgeTo[bj] as number
        if (known === -1) {
          bestEdgeTargets[targets++] = bj
          bestEdgeTo[bj] = edge
        } else if (slack(edge) < slack(known)) {
          bestEdgeTo[bj] = edge
        }
      }
    }
    for (const child of children) {
      const childBest = blossomBestEdges[child]
      if (childBest === null || childBest === undefined) {
        const childLeaves = collectLeaves(child)
        for (let i = 0; i < childLeaves; i++) {
          const leaf = leaves[i] as number
          const end = neighbourStart[leaf + 1] as number
          for (let at = neighbourStart[leaf] as number; at < end; at++) {
            consider((neighbourEnds[at] as number) >> 1)
          }
        }
      } else {
        for (let i = 0; i < childBest.length; i++) consider(childBest[i] as number)
      }
      blossomBestEdges[child] = null
      bestEdge[child] = -1
    }
    // In blossom order, so that ties go as in networkx.
    const sortedTargets = bestEdgeTargets.subarray(0, targets).sort()
    const best = new Int32Array(targets)
    let bestOfAll = -1
    let bestSlack = 0
    for (let i = 0; i < targets; i++) {
      const target = sortedTargets[i] as number
      const edge = bestEdgeTo[target] as number
      best[i] = edge
      bestEdgeTo[target] = -1
      const edgeSlack = slack(edge)
      if (bestOfAll === -1 || edgeSlack < bestSlack) {
        bestOfAll = edge
        bestSlack = edgeSlack
      }
    }
    blossomBestEdges[b] = best
    bestEdge[b] = bestOfAll
  }

  /** Index j of a cyclic list of the given length, for j in −length..length−1. */
  const cyclic = (j: number, length: number) => (j < 0 ? j + length : j)

  /**
   * Turns blossom b's children into top-level blossoms: at the end of a stage (recursively, for
   * children whose dual is zero too), or in a stage when a T-blossom's dual reaches zero, when
   * its children on the path from where it was entered to its base are relabelled.
   */
  const expandBlossom = (b: number, endStage: boolean): void => {
    const children = blossomChildren[b] as Array<number>
    const ends = blossomEnds[b] as Array<number>
    for (const s of children) {
      blossomParent[s] = -1
      if (s < n) {
        inBlossom[s] = s
      } else if (endStage && dual[s] === 0) {
        expandBlossom(s, endStage)
      } else {
        const count = collectLeaves(s)
        for (let i = 0; i < count; i++) inBlossom[leaves[i] as number] = s
      }
    }
    if (!endStage && label[b] === 2) {
      const length = children.length
      const entryChild = inBlossom[endpoint[(labelEnd[b] as number) ^ 1] as number] as number
      // Go round the blossom the even way, from the entry child to the base.
      let j = children.indexOf(entryChild)
      let step: number
      let endTrick: number
      if (j & 1) {
        j -= length
        step = 1
        endTrick = 0
      } else {
        step = -1
        endTrick = 1
      }
      let p = labelEnd[b] as number
      while (j !== 0) {
        // Relabel the T-child; then step over its S-partner to the next T-child.
        label[endpoint[p ^ 1] as number] = 0
        const q = ends[cyclic(j - endTrick, length)] as number
        label[endpoint[q ^ endTrick ^ 1] as number] = 0
        assignLabel(endpoint[p ^ 1] as number, 2, p)
        allowEdge[q >> 1] = 1
        j += step
        p = (ends[cyclic(j - endTrick, length)] as number) ^ endTrick
        allowEdge[p >> 1] = 1
        j += step
      }
      // The base child becomes T without labelling its mate, which is already S.
      const baseChild = children[cyclic(j, length)] as number
      const entered = endpoint[p ^ 1] as number
      label[entered] = 2
      label[baseChild] = 2
      labelEnd[entered] = p
      labelEnd[baseChild] = p
      bestEdge[baseChild] = -1
      // The children on the other way round stay free unless a vertex of theirs was reached.
      j += step
      while (children[cyclic(j, length)] !== entryChild) {
        const child = children[cyclic(j, length)] as number
        if (label[child] === 1) {
          // It just became S through a neighbour of its own.
          j += step
          continue
        }
        const count = collectLeaves(child)
        let reached = -1
        for (let i = 0; i < count; i++) {
          const leaf = leaves[i] as number
          if (label[leaf] !== 0) {
            reached = leaf
            break
          }
        }
        if (reached !== -1) {
          label[reached] = 0
          label[endpoint[mate[blossomBase[child] as number] as number] as number] = 0
          assignLabel(reached, 2, labelEnd[reached] as number)
        }
        j += step
      }
    }
    label[b] = -1
    labelEnd[b] = -1
    blossomChildren[b] = []
    blossomEnds[b] = []
    blossomBase[b] = -1
    blossomBestEdges[b] = null
    bestEdge[b] = -1
    unusedBlossoms[unusedCount++] = b
  }

  /** Swaps matched and unmatched edges on the even path from vertex v to blossom b's base. */
  const augmentBlossom = (b: number, v: number): void => {
    let t = v
    while (blossomParent[t] !== b) t = blossomParent[t] as number
    if (t >= n) augmentBlossom(t, v)
    const children = blossomChildren[b] as Array<number>
    const ends = blossomEnds[b] as Array<number>
    const length = children.length
    const i = children.indexOf(t)
    let j = i
    let step: number
    let endTrick: number
    if (i & 1) {
      j -= length
      step = 1
      endTrick = 0
    } else {
      step = -1
      endTrick = 1
    }
    while (j !== 0) {
      j += step
      t = children[cyclic(j, length)] as number
      const p = (ends[cyclic(j - endTrick, length)] as number) ^ endTrick
      if (t >= n) augmentBlossom(t, endpoint[p] as number)
      j += step
      t = children[cyclic(j, length)] as number
      if (t >= n) augmentBlossom(t, endpoint[p ^ 1] as number)
      mate[endpoint[p] as number] = p ^ 1
      mate[endpoint[p ^ 1] as number] = p
    }
    // v's child is the new base: rotate it to the front.
    const rotated = [...children.slice(i), ...children.slice(0, i)]
    blossomChildren[b] = rotated
    blossomEnds[b] = [...ends.slice(i), ...ends.slice(0, i)]
    blossomBase[b] = blossomBase[rotated[0] as number] as number
  }

  /** Augments the matching along the path through edge k, which joins two S-blossoms. */
  const augmentMatching = (k: number): void => {
    for (let side = 0; side < 2; side++) {
      let s = endpoint[2 * k + side] as number
      let p = 2 * k + 1 - side
      for (;;) {
        const bs = inBlossom[s] as number
        if (bs >= n) augmentBlossom(bs, s)
        mate[s] = p
        if (labelEnd[bs] === -1) break
        const t = endpoint[labelEnd[bs] as number] as number
        const bt = inBlossom[t] as number
        const entry = labelEnd[bt] as number
        s = endpoint[entry] as number
        const j = endpoint[entry ^ 1] as number
        if (bt >= n) augmentBlossom(bt, j)
        mate[j] = entry
        p = entry ^ 1
      }
    }
  }

  for (let stage = 0; stage < n; stage++) {
    label.fill(0)
    bestEdge.fill(-1)
    blossomBestEdges.fill(null, n)
    allowEdge.fill(0)
    queue.length = 0
    for (let v = 0; v < n; v++) {
      if (mate[v] === -1 && label[inBlossom[v] as number] === 0) assignLabel(v, 1, -1)
    }
    let augmented = false
    for (;;) {
      // Grow the alternating trees along tight edges until an augmenting path turns up.
      while (queue.length > 0 && !augmented) {
        const v = queue.pop() as number
        const end = neighbourStart[v + 1] as number
        for (let at = neighbourStart[v] as number; at < end; at++) {
          const p = neighbourEnds[at] as number
          const k = p >> 1
          const w = endpoint[p] as number
          // Read each time: a blossom made while scanning v may have taken in v and w.
          const bv = inBlossom[v] as number
          const bw = inBlossom[w] as number
          if (bv === bw) continue
          let kSlack = 0
          if (allowEdge[k] === 0) {
            kSlack = slack(k)
            if (kSlack <= 0) allowEdge[k] = 1
          }
          if (allowEdge[k] !== 0) {
            const labelW = label[bw] as number
            if (labelW === 0) {
              assignLabel(w, 2, p ^ 1)
            } else if (labelW === 1) {
              const base = scanBlossom(v, w)
              if (base >= 0) {
                addBlossom(base, k)
              } else {
                augmentMatching(k)
                augmented = true
                break
              }
            } else if (label[w] === 0) {
              // w is in a T-blossom but not yet reached itself: remember how, for when the
              // blossom is expanded.
              label[w] = 2
              labelEnd[w] = p ^ 1
            }
          } else if (label[bw] === 1) {
            const known = bestEdge[bv] as number
            if (known === -1 || kSlack < slack(known)) bestEdge[bv] = k
          } else if (label[w] === 0) {
            const known = bestEdge[w] as number
            if (known === -1 || kSlack < slack(known)) bestEdge[w] = k
          }
        }
      }
      if (augmented) break

      // No tight edge left to grow along: change the duals by the largest delta that keeps them
      // feasible, which makes an edge tight, a blossom's dual zero, or ends the stage.
      let deltaType = -1
      let delta = 0
      let deltaEdge = -1
      let deltaBlossom = -1
      if (!maxCardinality) {
        deltaType = 1
        delta = dual[0] as number
        for (let v = 1; v < n; v++) if ((dual[v] as number) < delta) delta = dual[v] as number
      }
      for (let v = 0; v < n; v++) {
        const edge = bestEdge[v] as number
        if (edge !== -1 && label[inBlossom[v] as number] === 0) {
          const d = slack(edge)
          if (deltaType === -1 || d < delta) {
            delta = d
            deltaType = 2
            deltaEdge = edge
          }
        }
      }
      for (let b = 0; b < 2 * n; b++) {
        const edge = bestEdge[b] as number
        if (edge !== -1 && blossomParent[b] === -1 && label[b] === 1) {
          const d = slack(edge) / 2
          if (deltaType === -1 || d < delta) {
            delta = d
            deltaType = 3
            deltaEdge = edge
          }
        }
      }
      for (let b = n; b < 2 * n; b++) {
        if (
          blossomBase[b] !== -1 &&
          blossomParent[b] === -1 &&
          label[b] === 2 &&
          (deltaType === -1 || (dual[b] as number) < delta)
        ) {
          delta = dual[b] as number
          deltaType = 4
          deltaBlossom = b
        }
      }
      if (deltaType === -1) {
        // Maximum cardinality reached: a last update keeps the duals a proof of optimality.
        deltaType = 1
        delta = dual[0] as number
        for (let v = 1; v < n; v++) if ((dual[v] as number) < delta) delta = dual[v] as number
        if (delta < 0) delta = 0
      }

      for (let v = 0; v < n; v++) {
        const vLabel = label[inBlossom[v] as number]
        if (vLabel === 1) dual[v] = (dual[v] as number) - delta
        else if (vLabel === 2) dual[v] = (dual[v] as number) + delta
      }
      for (let b = n; b < 2 * n; b++) {
        if (blossomBase[b] !== -1 && blossomParent[b] === -1) {
          if (label[b] === 1) dual[b] = (dual[b] as number) + delta
          else if (label[b] === 2) dual[b] = (dual[b] as number) - delta
        }
      }

      if (deltaType === 1) break
      if (deltaType === 2) {
        allowEdge[deltaEdge] = 1
        let i = endpoint[2 * deltaEdge] as number
        if (label[inBlossom[i] as number] === 0) i = endpoint[2 * deltaEdge + 1] as number
        queue.push(i)
      } else if (deltaType === 3) {
        allowEdge[deltaEdge] = 1
        queue.push(endpoint[2 * deltaEdge] as number)
      } else {
        expandBlossom(deltaBlossom, false)
      }
    }
    if (!augmented) break
    // Blossoms whose dual is zero need not stay blossoms: expanding them keeps later stages
    // correct (a zero-dual S-blossom may have to become a T-blossom and then expand).
    for (let b = n; b < 2 * n; b++) {
      if (blossomParent[b] === -1 && blossomBase[b] !== -1 && label[b] === 1 && dual[b] === 0) {
        expandBlossom(b, true)
      }
    }
  }

  const result = new Int32Array(n)
  for (let v = 0; v < n; v++) {
    const p = mate[v] as number
    result[v] = p === -1 ? -1 : (endpoint[p] as number)
  }
  return result
}
