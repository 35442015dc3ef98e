#include "model/neighbour_sum.h"

namespace ledgfn {
namespace {

// One vector of 64 bytes (16 floats, 8 doubles), loaded and stored
// unaligned; GCC's vector extension, lowered to the instructions of the
// target each clone below is compiled for.
template <typename T>
struct Lanes {
  typedef T Vector __attribute__((vector_size(64), aligned(sizeof(T))));
  static constexpr int64_t kCount = 64 / sizeof(T);
};
// Vectors per row chunk: each target row is accumulated in registers, 4
// vectors at a time, across its edges and stored once, instead of being
// read and written once per edge.
constexpr int64_t kVectors = 4;

// out[v] = in[v] + sum over CSR row v of in[col[e]], for the kVectors
// vectors of columns from `first`. Each element is summed in edge order,
// so the result is the same whatever the vector width it is compiled for.
template <typename T>
inline __attribute__((always_inline)) void AggregateChunk(
    const T* in, T* out, int64_t n, int64_t c, int64_t first,
    const int64_t* row, const int64_t* col) {
  using V = typename Lanes<T>::Vector;
  for (int64_t v = 0; v < n; ++v) {
    const V* self = reinterpret_cast<const V*>(in + v * c + first);
    V acc[kVectors];
    for (int64_t j = 0; j < kVectors; ++j) acc[j] = self[j];
    for (int64_t e = row[v]; e < row[v + 1]; ++e) {
      const V* source = reinterpret_cast<const V*>(in + col[e] * c + first);
      for (int64_t j = 0; j < kVectors; ++j) acc[j] += source[j];
    }
    V* target = reinterpret_cast<V*>(out + v * c + first);
    for (int64_t j = 0; j < kVectors; ++j) target[j] = acc[j];
  }
}

// The same, one element at a time, for the columns from `first` on.
template <typename T>
inline __attribute__((always_inline)) void AggregateTail(
    const T* in, T* out, int64_t n, int64_t c, int64_t first,
    const int64_t* row, const int64_t* col) {
  for (int64_t v = 0; v < n; ++v) {
    for (int64_t k = first; k < c; ++k) {
      T sum = in[v * c + k];
      for (int64_t e = row[v]; e < row[v + 1]; ++e) sum += in[col[e] * c + k];
      out[v * c + k] = sum;
    }
  }
}

template <typename T>
inline __attribute__((always_inline)) void AggregateRows(
    const T* in, T* out, int64_t n, int64_t c, const int64_t* row,
    const int64_t* col) {
  constexpr int64_t kChunk = kVectors * Lanes<T>::kCount;
  int64_t first = 0;
  for (; first + kChunk <= c; first += kChunk) {
    AggregateChunk<T>(in, out, n, c, first, row, col);
  }
  if (first < c) AggregateTail<T>(in, out, n, c, first, row, col);
}

// On x86-64, compiled for AVX-512, AVX2 and the baseline, picked at load
// time: the build targets baseline x86-64 (SSE2), whose 4-float vectors leave
// most of a modern core unused on this loop. Elsewhere, the build's target.
#if defined(__x86_64__)
#define LEDGFN_VECTOR_CLONES \
  __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define LEDGFN_VECTOR_CLONES
#endif

LEDGFN_VECTOR_CLONES void AggregateFloat(const float* in, float* out,
                                         int64_t n, int64_t c,
                                         const int64_t* row,
                                         const int64_t* col) {
  AggregateRows(in, out, n, c, row, col);
}

LEDGFN_VECTOR_CLONES void AggregateDouble(const double* in, double* out,
                                          int64_t n, int64_t c,
                                          const int64_t* row,
                                          const int64_t* col) {
  AggregateRows(in, out, n, c, row, col);
}

// out[v] = h[v] + sum over CSR row v of h[column]; h contiguous.
torch::Tensor CsrAggregate(const torch::Tensor& h, const torch::Tensor& offsets,
                           const torch::Tensor& columns) {
  torch::Tensor in = h.contiguous();
  torch::Tensor out = torch::empty_like(in);
  const int64_t n = in.size(0);
  const int64_t c = in.size(1);
  const int64_t* row = offsets.data_ptr<int64_t>();
  const int64_t* col = columns.data_ptr<int64_t>();
  if (in.scalar_type() == torch::kFloat) {
    AggregateFloat(in.data_ptr<float>(), out.data_ptr<float>(), n, c, row, col);
  } else {
    TORCH_CHECK(in.scalar_type() == torch::kDouble,
                "NeighbourSum: float or double embeddings");
    AggregateDouble(in.data_ptr<double>(), out.data_ptr<double>(), n, c, row,
                    col);
  }
  return out;
}

class CsrNeighbourSum : public torch::autograd::Function<CsrNeighbourSum> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx,
                               const torch::Tensor& h,
                               const torch::Tensor& offsets,
                               const torch::Tensor& columns) {
    ctx->save_for_backward({offsets, columns});
    return CsrAggregate(h, offsets, columns);
  }
  static torch::autograd::tensor_list backward(
      torch::autograd::AutogradContext* ctx,
      torch::autograd::tensor_list grad) {
    const auto saved = ctx->get_saved_variables();
    // (I + A)^T = I + A: the adjacency is symmetric.
    return {CsrAggregate(grad[0], saved[0], saved[1]), torch::Tensor(),
            torch::Tensor()};
  }
};

}  // namespace

torch::Tensor NeighbourSum(const torch::Tensor& h, const GraphBatch& batch) {
  if (h.is_cpu()) {
    return CsrNeighbourSum::apply(h, batch.edge_offsets, batch.edge_source);
  }
  const int64_t n = h.size(0);
  torch::Tensor indices = torch::stack({batch.edge_target, batch.edge_source});
  torch::Tensor values = torch::ones({batch.edge_target.size(0)}, h.options());
  // Edges are sorted by (target, source) without duplicates, i.e.
  // coalesced: say so instead of paying a sort per call.
  torch::Tensor adjacency =
      torch::_sparse_coo_tensor_unsafe(indices, values, {n, n})
          ._coalesced_(true);
  return h + torch::mm(adjacency, h);
}

}  // namespace ledgfn
