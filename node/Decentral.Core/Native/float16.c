/*
 * The fp16 codec's conversions on the x86 instructions made for them (F16C's vcvtps2ph and
 * vcvtph2ps, 16 values per AVX-512 instruction). .NET 10 exposes no intrinsic for them, and the
 * integer emulation in Codecs/Float16Values.cs costs about twice as much as the instructions on
 * hosts where the conversion, not memory, is the limit (docs/benchmarks/model-path.md).
 *
 * Built with the core by Decentral.Core.csproj when a C compiler is present; the core loads it at
 * start (Codecs/Float16Instructions.cs) and falls back to the managed kernels without it. Every
 * function converts whole blocks of 16 values only and returns how many it converted; the managed
 * caller converts the rest. The bits are those of Float16Values.ToHalf (round to nearest, ties to
 * even; magnitudes of 65520 and up saturate to 65504; a NaN becomes the quiet half NaN 0x7E00 with
 * its sign) and of TensorPrimitives.ConvertToSingle: the tests compare them on every path.
 */
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#define FLOAT16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,f16c")))

/* 1 when this CPU runs the instructions below. */
int decentral_float16_supported(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("f16c");
}

/* Halves of 16 floats: saturated by a clamp (65504 is a half, and every float from 65504 up to
 * 65520 rounds to it), converted with ties to even; NaN lanes (which the clamp would turn into
 * 65504) are replaced by the quiet NaN with the lane's sign. */
FLOAT16_TARGET static inline __m256i to_halves(__m512 v)
{
    const __m512 max = _mm512_set1_ps(65504.0f);
    __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    __m512 clamped = _mm512_max_ps(_mm512_min_ps(v, max), _mm512_sub_ps(_mm512_setzero_ps(), max));
    __m256i halves = _mm512_cvtps_ph(clamped, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    if (nan)
    {
        __m512i sign = _mm512_and_si512(_mm512_srli_epi32(_mm512_castps_si512(v), 16), _mm512_set1_epi32(0x8000));
        __m256i quiet = _mm512_cvtepi32_epi16(_mm512_or_si512(sign, _mm512_set1_epi32(0x7E00)));
        halves = _mm256_mask_blend_epi16(nan, halves, quiet);
    }

    return halves;
}

/* values[0..count) to halves; returns the number converted (count rounded down to 16). */
FLOAT16_TARGET ptrdiff_t decentral_float16_encode(const float* values, uint16_t* halves, ptrdiff_t count)
{
    ptrdiff_t i = 0;
    for (; i + 16 <= count; i += 16)
    {
        _mm256_storeu_si256((__m256i*)(halves + i), to_halves(_mm512_loadu_ps(values + i)));
    }

    return i;
}

/* minuend - subtrahend to halves, the float differences taken in registers (a trained model's
 * delta from its start); returns the number converted. */
FLOAT16_TARGET ptrdiff_t decentral_float16_encode_difference(const float* minuend, const float* subtrahend, uint16_t* halves, ptrdiff_t count)
{
    ptrdiff_t i = 0;
    for (; i + 16 <= count; i += 16)
    {
        __m512 difference = _mm512_sub_ps(_mm512_loadu_ps(minuend + i), _mm512_loadu_ps(subtrahend + i));
        _mm256_storeu_si256((__m256i*)(halves + i), to_halves(difference));
    }

    return i;
}

/* halves[0..count) to floats, exactly; returns the number converted. */
FLOAT16_TARGET ptrdiff_t decentral_float16_decode(const uint16_t* halves, float* values, ptrdiff_t count)
{
    ptrdiff_t i = 0;
    for (; i + 16 <= count; i += 16)
    {
        _mm512_storeu_ps(values + i, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(halves + i))));
    }

    return i;
}
