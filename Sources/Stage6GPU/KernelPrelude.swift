// Each GPU kernel is written once, in the C that CUDA and OpenCL share, and compiled for either by
// putting one of two short preludes in front of it. The prelude maps this code's names onto each
// language's: a thread is a CUDA "thread" and an OpenCL "work-item"; a block of threads that share
// fast on-chip memory is a CUDA "block" and an OpenCL "work-group"; that memory is CUDA's
// `__shared__` and OpenCL's `__local`.

extension GPUKernel {
    /// The source a backend compiles: its prelude, this kernel's sizes as #defines, the kernel.
    func source(for language: Language, sizes: Sizes) -> String {
        let defines = sizes.defines.map { "#define \($0.name) \($0.value)" }.joined(separator: "\n")
        return language.prelude + "\n" + defines + "\n" + body
    }

    /// The two kernel languages.
    enum Language: Sendable {
        case cuda, openCL

        var prelude: String {
            switch self {
            case .cuda:
                return """
                // CUDA C++ (compiled by NVRTC)
                #define KERNEL extern "C" __global__
                // At most THREADS threads per block, and at least BLOCKS blocks resident per
                // multiprocessor: ptxas keeps the registers per thread within 65536 / (THREADS × BLOCKS).
                #define LAUNCH_BOUNDS(THREADS, BLOCKS) __launch_bounds__(THREADS, BLOCKS)
                #define GLOBAL
                #define SHARED __shared__
                #define RESTRICT __restrict__
                #define SYNC_THREADS() __syncthreads()
                #define BLOCK_X ((int)blockIdx.x)
                #define BLOCK_Y ((int)blockIdx.y)
                #define THREAD_X ((int)threadIdx.x)
                #define THREAD_Y ((int)threadIdx.y)
                #define BLOCK_SIZE_X ((int)blockDim.x)
                #define BLOCK_SIZE_Y ((int)blockDim.y)
                #define LOAD_FLOAT4(pointer, index) (*(const float4 *)((pointer) + (index)))
                #define STORE_FLOAT4(value, pointer, index) (*(float4 *)((pointer) + (index)) = (value))
                #define MAKE_FLOAT4(x, y, z, w) make_float4(x, y, z, w)
                """
            case .openCL:
                return """
                // OpenCL C 1.2
                #define KERNEL __kernel
                #define LAUNCH_BOUNDS(THREADS, BLOCKS)
                #define GLOBAL __global
                #define SHARED __local
                #define RESTRICT restrict
                #define SYNC_THREADS() barrier(CLK_LOCAL_MEM_FENCE)
                #define BLOCK_X ((int)get_group_id(0))
                #define BLOCK_Y ((int)get_group_id(1))
                #define THREAD_X ((int)get_local_id(0))
                #define THREAD_Y ((int)get_local_id(1))
                #define BLOCK_SIZE_X ((int)get_local_size(0))
                #define BLOCK_SIZE_Y ((int)get_local_size(1))
                // CUDA's float4 loads and stores need 16-byte-aligned addresses (a kernel takes its
                // float4 path only where rows start on one: 6d checks k % 4 == 0 and n % 4 == 0);
                // vload4 accepts any float's address, so a slip would pass unseen here and fault on
                // the GPU. Here a misaligned one reads or writes NaNs instead, which the tests catch.
                #define ALIGNED16(address) ((((ulong)(address)) & 15) == 0)
                #define LOAD_FLOAT4(pointer, index) \\
                    (ALIGNED16((pointer) + (index)) ? vload4(0, (pointer) + (index)) : (float4)(NAN))
                #define STORE_FLOAT4(value, pointer, index) \\
                    vstore4(ALIGNED16((pointer) + (index)) ? (value) : (float4)(NAN), 0, (pointer) + (index))
                #define MAKE_FLOAT4(x, y, z, w) ((float4)(x, y, z, w))
                """
            }
        }
    }
}
