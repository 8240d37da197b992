// cuBLAS, NVIDIA's BLAS: the GPU's Stage 5. `cublasSgemm_v2` is column-major, like Fortran BLAS.
// A row-major m×n C is a column-major n×m Cᵀ, and Cᵀ = Bᵀ·Aᵀ, so the row-major product is one
// column-major call with A and B swapped: no transposes, no copies.

import Foundation

final class CUBLAS: @unchecked Sendable {
    private let library: DynamicLibrary
    private let handle: OpaquePointer
    private let sgemm: @convention(c) (OpaquePointer?, Int32, Int32, Int32, Int32, Int32, UnsafePointer<Float>,
                                       UInt64, Int32, UInt64, Int32, UnsafePointer<Float>, UInt64, Int32) -> Int32
    /// cublasGemmEx: handle, transa, transb, m, n, k, alpha, A, Atype, lda, B, Btype, ldb, beta, C, Ctype, ldc,
    /// computeType, algo (cudaDataType, cublasComputeType_t and cublasGemmAlgo_t are C enums: Int32).
    private let gemmEx: @convention(c) (OpaquePointer?, Int32, Int32, Int32, Int32, Int32, UnsafeRawPointer, UInt64, Int32, Int32,
                                        UInt64, Int32, Int32, UnsafeRawPointer, UInt64, Int32, Int32, Int32, Int32) -> Int32

    /// Opens libcublas (CUBLAS_LIBRARY to choose the file) and creates a handle on the current context.
    init() throws {
        library = try DynamicLibrary("cuBLAS", candidates: DynamicLibrary.candidates(
            sonames: ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"],
            variable: "CUBLAS_LIBRARY", directories: cudaToolkitDirectories)) { name, _ in
            // libcublas links libcublasLt of its own version: opened first from the same folder.
            ["libcublasLt.so." + DynamicLibrary.majorVersion(of: name)]
        }
        let create: @convention(c) (UnsafeMutablePointer<OpaquePointer?>) -> Int32 = try library.function("cublasCreate_v2")
        let destroy: @convention(c) (OpaquePointer?) -> Int32 = try library.function("cublasDestroy_v2")
        let setMathMode: @convention(c) (OpaquePointer?, Int32) -> Int32 = try library.function("cublasSetMathMode")
        sgemm = try library.function("cublasSgemm_v2")
        gemmEx = try library.function("cublasGemmEx")
        var handle: OpaquePointer?
        let status = create(&handle)
        guard status == 0, let handle else {
            throw GPUError.call("cublasCreate_v2", code: Int(status), message: "cuBLAS could not start (status \(status))")
        }
        // CUBLAS_DEFAULT_MATH (0): true FP32 arithmetic. TF32 tensor cores would be faster and
        // round the inputs to 10-bit mantissas, which is a different (and less accurate) product.
        let mode = setMathMode(handle, 0)
        guard mode == 0 else {
            _ = destroy(handle)
            throw GPUError.call("cublasSetMathMode", code: Int(mode), message: "cuBLAS would not use FP32 arithmetic (status \(mode))")
        }
        self.handle = handle
    }

    /// Row-major C (m×n) = A (m×k) · B (k×n), all on the device.
    func multiply(m: Int, n: Int, k: Int, a: DeviceBuffer, b: DeviceBuffer, c: DeviceBuffer) throws {
        var (one, zero) = (Float(1), Float(0))
        // Column-major: Cᵀ (n×m) = Bᵀ (n×k) · Aᵀ (k×m); leading dimensions n, k, n. 0 = CUBLAS_OP_N.
        let status = sgemm(handle, 0, 0, Int32(n), Int32(m), Int32(k), &one, b.handle, Int32(n), a.handle, Int32(k),
                           &zero, c.handle, Int32(n))
        guard status == 0 else { throw GPUError.call("cublasSgemm_v2", code: Int(status), message: "cuBLAS status \(status)") }
    }

    /// The same product on the tensor cores in TF32: cublasGemmEx with FP32 matrices (CUDA_R_32F,
    /// 0) and CUBLAS_COMPUTE_32F_FAST_TF32 (77), which lets cuBLAS round A and B to TF32 (10
    /// explicit mantissa bits, FP32's 8-bit exponent) and sum in FP32; CUBLAS_GEMM_DEFAULT (-1).
    func multiplyTF32(m: Int, n: Int, k: Int, a: DeviceBuffer, b: DeviceBuffer, c: DeviceBuffer) throws {
        var (one, zero) = (Float(1), Float(0))
        let status = gemmEx(handle, 0, 0, Int32(n), Int32(m), Int32(k), &one, b.handle, 0, Int32(n), a.handle, 0, Int32(k),
                            &zero, c.handle, 0, Int32(n), 77, -1)
        guard status == 0 else { throw GPUError.call("cublasGemmEx", code: Int(status), message: "cuBLAS status \(status)") }
    }
}
