// Entry point of the SIMD (f32x4) build: build/simd.wasm. Same exports as index.naive.ts
// (KERNEL_TABLE in src/runtime/abi.ts; test/runtime/kernel-table.test.ts checks them).
export { fill_simd as fill, scale_simd as scale, add_simd as add, build_is_simd_simd as build_is_simd } from "./misc/simd";
export { geom_layout } from "./abi"; // one implementation: the ABI constants themselves
export { gemm_nn_simd as gemm_nn, gemm_tn_simd as gemm_tn, gemm_nt_simd as gemm_nt, bias_add_simd as bias_add, bias_grad_simd as bias_grad } from "./gemm/simd";
export { gemm_nn_packed_simd as gemm_nn_packed, gemm_packed_scratch_bytes_simd as gemm_packed_scratch_bytes } from "./gemm/packed";
export { conv2d_scratch_bytes_simd as conv2d_scratch_bytes, conv2d_forward_simd as conv2d_forward, conv2d_backward_input_simd as conv2d_backward_input, conv2d_backward_filter_simd as conv2d_backward_filter } from "./conv2d/simd";
export { maxpool2d_forward_simd as maxpool2d_forward, maxpool2d_backward_simd as maxpool2d_backward, avgpool2d_forward_simd as avgpool2d_forward, avgpool2d_backward_simd as avgpool2d_backward } from "./pool/simd";
export { relu_forward_simd as relu_forward, relu_backward_simd as relu_backward, tanh_forward_simd as tanh_forward, tanh_backward_simd as tanh_backward, sigmoid_forward_simd as sigmoid_forward, sigmoid_backward_simd as sigmoid_backward, softmax_forward_simd as softmax_forward, softmax_backward_simd as softmax_backward, mul_simd as mul, leaky_relu_forward_simd as leaky_relu_forward, leaky_relu_backward_simd as leaky_relu_backward, elu_forward_simd as elu_forward, elu_backward_simd as elu_backward } from "./act/simd";
export { softmax_xent_naive as softmax_xent, sigmoid_bce_naive as sigmoid_bce, argmax_rows_naive as argmax_rows } from "./loss/naive"; // one implementation (see loss/naive.ts)
export { sgd_update_simd as sgd_update, momentum_update_simd as momentum_update, adam_update_simd as adam_update } from "./optim/simd";
export { rng_seed_naive as rng_seed, rng_uniform_naive as rng_uniform, rng_normal_naive as rng_normal, rng_dropout_mask_naive as rng_dropout_mask } from "./rng/naive"; // one implementation: same stream in both builds
export { gather_rows_simd as gather_rows, gather_rows_u8_simd as gather_rows_u8 } from "./data/simd";
export { global_avgpool_forward_simd as global_avgpool_forward, global_avgpool_backward_simd as global_avgpool_backward } from "./gap/simd";
export { batchnorm_stats_simd as batchnorm_stats, batchnorm_combine_simd as batchnorm_combine, batchnorm_invstd_simd as batchnorm_invstd, batchnorm_forward_simd as batchnorm_forward, batchnorm_backward_stats_simd as batchnorm_backward_stats, batchnorm_backward_combine_simd as batchnorm_backward_combine, batchnorm_backward_input_simd as batchnorm_backward_input } from "./norm/simd";
